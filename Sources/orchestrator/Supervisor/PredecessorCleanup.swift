import Foundation
import Logging
import RedisKit
import SwarmSupport
import WorkerAgent

/// Stops what a killed `up` left running on its state directory: its workers, their tasks'
/// process groups and its embedded redis-server. Stopping (rather than adopting) keeps one
/// owner per process: the new `up` then starts exactly the workers it wants and a redis-server
/// it can restart. Every pid is checked against its recorded start time, so a pid the kernel
/// has since given to another process is left alone.
struct PredecessorCleanup {
    let lock: StateDirLock
    let groupDirectory: String
    let logger: Logger

    /// Ids of the predecessor's workers (their tasks are requeued once Redis is up).
    func run() -> [String] {
        let record = lock.predecessor()
        var ids: [String] = []
        if let record {
            let workers = record.workers.filter { $0.isAlive && isOrchestrator($0.pid, command: "worker") }
            ids = record.workers.compactMap(\.id)
            if !workers.isEmpty {
                logger.warning("a previous `orchestrator up` (pid \(record.up.pid)) died and left \(workers.count) worker(s); stopping them")
            }
            // SIGTERM: a worker whose `up` is gone kills its task's group at once and exits.
            stop(workers, grace: 3)
        }
        // Every task group still recorded (whatever killed its worker) dies before anything
        // can run that task again.
        let files = (try? FileManager.default.contentsOfDirectory(atPath: groupDirectory)) ?? []
        for file in files where file.hasSuffix(".group") {
            let record = TaskGroupRecord(path: groupDirectory + "/" + file)
            if let pgid = record.killRecordedGroup() {
                logger.warning("killed task process group \(pgid) left by worker \(file.dropLast(6))")
            }
            ids.append(String(file.dropLast(6)))
        }
        if let redis = record?.redis, redis.isAlive, isRedis(redis.pid) {
            logger.warning("stopping the embedded redis-server (pid \(redis.pid)) a previous `orchestrator up` left running")
            // SIGTERM: redis-server syncs its AOF and exits; the new one replays it.
            stop([redis], grace: 15)
        }
        return Array(Set(ids)).sorted()
    }

    /// SIGTERM, then SIGKILL after `grace` seconds for what still runs.
    private func stop(_ procs: [UpRecord.Proc], grace: Double) {
        guard !procs.isEmpty else { return }
        for p in procs { kill(p.pid, SIGTERM) }
        let deadline = Monotonic.now() + grace
        while Monotonic.now() < deadline && procs.contains(where: \.isAlive) { sleepSeconds(0.02) }
        for p in procs where p.isAlive { kill(p.pid, SIGKILL) }
        let gone = Monotonic.now() + 2
        while Monotonic.now() < gone && procs.contains(where: { $0.isAlive && ProcessInfoFile.state(of: $0.pid) != "Z" }) {
            sleepSeconds(0.01)
        }
    }

    private func isOrchestrator(_ pid: Int32, command: String) -> Bool {
        guard let argv = ProcessInfoFile.commandLine(of: pid), argv.count > 1 else { return false }
        return argv[1] == command
    }

    private func isRedis(_ pid: Int32) -> Bool {
        ProcessInfoFile.commandLine(of: pid)?.first?.contains("redis-server") == true
    }
}
