import Foundation
import Logging
import Planner
import Scheduler
import Synchronization

/// Runs one feature's merge queue until it is empty, another merger holds it, or a failed
/// integration test stops it: the worker that reported a repository task runs it right after,
/// and `up`'s loop runs queues whose merger died (their lock expired).
///
/// Per task: take the head under the feature's lease lock (a thread renews it while the merge
/// runs), check the signed spec, merge its branch into the integration branch
/// (``BranchMerger``), run the feature's integration tests on the result, then settle it with
/// `merged`, `merge_conflict` or `merge_stop` (fenced by the lock's token).
public struct MergeQueueRunner: Sendable {
    /// Who merges (worker id, or `up@host`), as events name it.
    public var worker: String
    /// The folder the merge mirrors live in (`worker.workspace_root`).
    public var workspaceRoot: String
    /// Checks the signature of each task's spec before its branch is merged.
    public var specTrust: SpecTrust
    /// The environment integration tests run with (never the worker's Redis credentials).
    public var environment: [String: String]
    /// Lease of the feature's lock (renewed every third of it while merging).
    public var leaseMs = 60_000
    /// Longest an integration test command may run.
    public var testTimeout: Double = 600
    /// Called after a task's branch landed (workspace cleanup): gid and attempt.
    public var onMerged: (@Sendable (String, Int) -> Void)?
    /// Where progress and trouble are logged.
    public var logger = Logger(label: "swarm.merge")

    /// What one run of a queue did.
    public struct Summary: Sendable, Equatable {
        /// Tasks merged.
        public var merged = 0
        /// Tasks sent to a person with a conflict.
        public var conflicts = 0
        /// The queue was stopped by a failed integration test (now or earlier).
        public var stopped = false
        /// The git work failed (the task stays queued and is tried again later).
        public var error: String?
    }

    /// Creates a runner.
    public init(worker: String, workspaceRoot: String, specTrust: SpecTrust, environment: [String: String]) {
        self.worker = worker
        self.workspaceRoot = workspaceRoot
        self.specTrust = specTrust
        self.environment = environment
    }

    /// Runs `feature`'s queue with `client`; `renewal` makes the second connection the lock's
    /// renewing thread uses (nil: no renewal, for short merges in tests).
    public func run(feature: String, client: SchedulerClient,
                    renewal: (@Sendable () throws -> SchedulerClient)? = nil) -> Summary {
        let token = "\(worker)#\(UInt64.random(in: 0...UInt64.max))"
        var summary = Summary()
        let keeper = LockKeeper(feature: feature, token: token, leaseMs: leaseMs, connect: renewal)
        keeper.start()
        defer {
            keeper.stop()
            _ = try? client.mergeUnlock(feature: feature, lockToken: token)
        }
        while true {
            let claim: MergeClaim
            do { claim = try client.mergeNext(feature: feature, lockToken: token, worker: worker, leaseMs: leaseMs) } catch {
                summary.error = "\(error)"
                return summary
            }
            switch claim {
            case .busy, .empty: return summary
            case .stopped:
                summary.stopped = true
                return summary
            case let .item(item):
                do {
                    try mergeOne(item, token: token, client: client, summary: &summary)
                } catch {
                    // The task stays merging at the head of the queue; the lock is released
                    // (defer) so the next worker or `up` tries again.
                    summary.error = "\(error)"
                    logger.warning("\(worker): could not merge \(item.task.gid): \(error); it stays queued and is tried again")
                    return summary
                }
                if summary.stopped { return summary }
            }
        }
    }

    private func mergeOne(_ item: MergeItem, token: String, client: SchedulerClient, summary: inout Summary) throws {
        let gid = item.task.gid
        let spec: TaskSpec
        do {
            try specTrust.verifySignature(of: item.task)
            spec = try TaskSpec.decode(json: Data(item.task.specJSON.utf8))
            try specTrust.checkIdentity(of: item.task, spec: spec)
        } catch {
            try client.mergeConflict(gid, lockToken: token, files: [], reason: "not merged: its spec does not verify (\(error))", worker: worker)
            summary.conflicts += 1
            return
        }
        guard let url = spec.repository, let integration = spec.integrationBranch else {
            try client.mergeConflict(gid, lockToken: token, files: [], reason: "not merged: its spec names no repository", worker: worker)
            summary.conflicts += 1
            return
        }
        let git = MergeGit()
        let mirror = try MergeMirror.open(root: workspaceRoot, url: url, git: git)
        let merger = BranchMerger(git: git, mirror: mirror.path, url: url, integrationBranch: integration)
        let message = "Merge \(item.branch.name) into \(integration)\n\nSwarm task \(gid), attempt \(item.task.attempt)."
        switch try merger.merge(item.branch, message: message) {
        case let .conflict(files, head):
            let reason = "merge conflict with \(integration) (\(head.prefix(12))) in \(files.joined(separator: ", ")); "
                + "branch \(item.branch.name) is kept: merge it by hand and `orchestrator resolve \(gid) done`, "
                + "or `orchestrator resolve \(gid) pending` to run it again on the new head"
            try client.mergeConflict(gid, lockToken: token, files: files, reason: reason, worker: worker)
            summary.conflicts += 1
            logger.info("\(worker): \(gid) conflicts with \(integration) in \(files.joined(separator: ", "))")
        case let .merged(commit, _, method):
            let tests = IntegrationTests(git: git, mirror: mirror.path, runner: ProcessRunner(redactor: .defaults()),
                                         environment: environment, timeout: testTimeout)
            if method != .already, let failure = try tests.firstFailure(spec.integrationTests, at: commit) {
                let reason = "\(failure) on \(integration) at \(commit.prefix(12)) after merging \(gid); "
                    + "the feature's merges are stopped: fix the integration branch, then `orchestrator resolve \(gid) done`"
                try client.mergeStop(gid, lockToken: token, commit: commit, reason: reason, worker: worker)
                summary.stopped = true
                return
            }
            try client.merged(gid, lockToken: token, commit: commit, method: method, worker: worker)
            summary.merged += 1
            onMerged?(gid, item.task.attempt)
        }
    }
}

/// Renews a merge lock from its own thread and connection while a queue runs.
private final class LockKeeper: Sendable {
    let feature: String, token: String, leaseMs: Int
    let connect: (@Sendable () throws -> SchedulerClient)?
    private let done = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    init(feature: String, token: String, leaseMs: Int, connect: (@Sendable () throws -> SchedulerClient)?) {
        self.feature = feature
        self.token = token
        self.leaseMs = leaseMs
        self.connect = connect
    }

    func start() {
        guard connect != nil else { finished.signal(); return }
        let thread = Thread { [self] in loop() }
        thread.name = "swarm-merge-lock"
        thread.start()
    }

    func stop() {
        done.withLock { $0 = true }
        finished.wait()
    }

    private func loop() {
        defer { finished.signal() }
        var client: SchedulerClient?
        let period = Double(leaseMs) / 3000
        while true {
            var waited = 0.0
            while waited < period {
                if done.withLock({ $0 }) { return }
                Thread.sleep(forTimeInterval: 0.05)
                waited += 0.05
            }
            if client == nil { client = try? connect?() }
            // A lost lock needs no action here: the merger's settling calls are refused.
            if let c = client, (try? c.mergeRenew(feature: feature, lockToken: token, leaseMs: leaseMs)) == nil { client = nil }
        }
    }
}

extension MergeQueueRunner {
    /// A runner for a worker (or `up`) with `settings`: its id, trusted keys and task
    /// environment; merge mirrors under `workspaceRoot`.
    public init(settings: WorkerSettings, workspaceRoot: String) {
        self.init(worker: settings.id, workspaceRoot: workspaceRoot, specTrust: settings.specTrust,
                  environment: settings.taskEnvironment.forTask(identity: ["SWARM_WORKER": settings.id]))
    }
}
