import ArgumentParser
import Foundation
import Planner
import WorkerAgent

extension Context {
    /// The merge-queue runner of a process of this context (`up`'s loop for queues whose merger
    /// died): trusted keys and task environment as a worker's, merge mirrors under
    /// `worker.workspace_root`.
    func mergeRunner(id: String) throws -> MergeQueueRunner {
        let settings: WorkerSettings
        do { settings = try WorkerSettings(config: config, id: id) } catch {
            printError("error: \(error)")
            throw ExitCode.configInvalid
        }
        return MergeQueueRunner(settings: settings, workspaceRoot: Context.absolute(config.worker.workspaceRoot))
    }
}
