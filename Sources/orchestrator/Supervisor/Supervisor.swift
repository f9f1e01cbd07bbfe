import Foundation
import Logging
import RedisKit
import Scheduler
import SwarmSupport
import Synchronization
import WorkerAgent

/// Keeps the local fleet of worker processes at the desired size (never above `maxWorkers`):
/// spawns them, notices a death at once (a thread polling `waitpid`, not missed heartbeats),
/// kills the dead worker's task process group, then requeues its task, respawns with capped
/// backoff, and reports crash loops.
///
/// Workers get SIGTERM as their parent-death signal (so they kill their task and leave when
/// `up` dies) and record their task's process group in `groupDirectory`.
final class Supervisor: Sendable {
    struct Child: Sendable {
        var id: String
        var pid: pid_t
        var started: Double
        var stopping: Bool
    }

    private struct State {
        var children: [pid_t: Child] = [:]
        var deaths: [Double] = []          // recent unexpected deaths (for crash-loop detection)
        var consecutiveCrashes = 0
        var nextSpawnAt = 0.0
        var crashLooping = false
    }

    private let state = Mutex(State())
    private let workerArguments: [String]
    private let executable: String
    private let backoff: Backoff
    private let crashWindow: Double
    private let crashThreshold: Int
    private let url: RedisURL
    private let namespace: String
    private let logger: Logger
    private let exited = DispatchSemaphore(value: 0)
    /// Hard cap on worker processes, stopping ones included.
    let maxWorkers: Int
    /// Where each worker records its running task's process group (`<worker id>.group`).
    let groupDirectory: String
    /// Called with the live fleet after every spawn and death (the pid file follows it).
    private let onChange: @Sendable ([Child]) -> Void
    /// Children of this process that are not workers and must not be reaped here (the
    /// embedded redis-server, whose owner waits for it).
    private let foreignChildren: @Sendable () -> Set<pid_t>

    init(executable: String, workerArguments: [String], backoff: Backoff, crashWindow: Double, crashThreshold: Int,
         url: RedisURL, namespace: String, logger: Logger, maxWorkers: Int, groupDirectory: String,
         foreignChildren: @escaping @Sendable () -> Set<pid_t> = { [] },
         onChange: @escaping @Sendable ([Child]) -> Void = { _ in }) {
        self.maxWorkers = maxWorkers
        self.groupDirectory = groupDirectory
        self.foreignChildren = foreignChildren
        self.onChange = onChange
        self.executable = executable
        self.workerArguments = workerArguments
        self.backoff = backoff
        self.crashWindow = crashWindow
        self.crashThreshold = crashThreshold
        self.url = url
        self.namespace = namespace
        self.logger = logger
        let reaper = Thread { [self] in reapLoop() }
        reaper.name = "swarm-reaper"
        reaper.start()
    }

    /// Live (not stopping) children.
    var running: Int { state.withLock { $0.children.values.filter { !$0.stopping }.count } }
    /// All children, stopping ones included.
    var total: Int { state.withLock { $0.children.count } }
    /// Ids and pids of live children.
    var children: [Child] { state.withLock { Array($0.children.values) } }

    /// The record of worker `id`'s task process group.
    func groupRecord(_ id: String) -> TaskGroupRecord { TaskGroupRecord(path: groupDirectory + "/" + id + ".group") }

    /// Spawns or stops workers so that `desired()` are live, never more than `maxWorkers`
    /// processes in all. Spawns one at a time and asks `desired()` again after each (it re-reads
    /// the control hash), so lowering the count or draining stops a long spawn at once. Spawns
    /// wait out the respawn backoff.
    func reconcile(desired: () -> Int) {
        var want = min(desired(), maxWorkers)
        while true {
            let (live, all, due) = state.withLock { s in
                (s.children.values.filter { !$0.stopping }.count, s.children.count, Monotonic.now() >= s.nextSpawnAt)
            }
            guard live < want, all < maxWorkers, due else { break }
            guard spawn() else { break }
            want = min(desired(), maxWorkers)
        }
        let live = running
        if live > want {
            let extra = state.withLock { s -> [Child] in
                let victims = s.children.values.filter { !$0.stopping }.sorted { $0.started > $1.started }.prefix(live - want)
                for v in victims { s.children[v.pid]?.stopping = true }
                return Array(victims)
            }
            for c in extra { kill(c.pid, SIGTERM) }
        }
    }

    /// Spawns or stops workers so `desired` are live (at most `maxWorkers`).
    func reconcile(desired: Int) { reconcile(desired: { desired }) }

    /// Sends SIGTERM to every worker (they finish their task and exit).
    func stopAll() {
        let all = state.withLock { s -> [Child] in
            for k in s.children.keys { s.children[k]?.stopping = true }
            return Array(s.children.values)
        }
        for c in all { kill(c.pid, SIGTERM) }
    }

    /// Stops every worker now and requeues their tasks. Each worker first gets two signals
    /// (SIGTERM, SIGINT: "stop at once"), so it kills its task's process group before exiting;
    /// whatever is still alive after `grace` seconds gets SIGKILL.
    func killAll(client: SchedulerClient?, grace: Double) {
        let all = state.withLock { s -> [Child] in
            for k in s.children.keys { s.children[k]?.stopping = true }
            return Array(s.children.values)
        }
        for c in all {
            kill(c.pid, SIGTERM)
            kill(c.pid, SIGINT)
        }
        let deadline = Monotonic.now() + grace
        while Monotonic.now() < deadline && state.withLock({ s in all.contains { s.children[$0.pid] != nil } }) {
            sleepSeconds(0.02)
        }
        for c in all where state.withLock({ $0.children[c.pid] != nil }) { kill(c.pid, SIGKILL) }
        // Requeue only once no process of the task can still run.
        let reaped = Monotonic.now() + 5
        while Monotonic.now() < reaped && state.withLock({ s in all.contains { s.children[$0.pid] != nil } }) {
            sleepSeconds(0.01)
        }
        for c in all {
            groupRecord(c.id).killRecordedGroup()
            _ = try? client?.requeueWorker(c.id, reason: "stopped at once by the orchestrator")
        }
    }

    /// Waits until no child is left, up to `timeout` seconds; true if none is.
    func waitForAll(timeout: Double) -> Bool {
        let deadline = Monotonic.now() + timeout
        while total > 0 && Monotonic.now() < deadline { _ = exited.wait(timeout: .now() + 0.1) }
        return total == 0
    }

    /// Starts one worker; false when it could not be started. Called on `up`'s main thread,
    /// which lives as long as `up`: the workers' parent-death signal is tied to it.
    @discardableResult
    private func spawn() -> Bool {
        let id = WorkerID.make()
        let args = [executable, "worker", "--id", id] + workerArguments
            + ["--task-group-file", groupRecord(id).path, "--supervisor-pid", String(getpid())]
        var options = ForkExec.Options(path: executable, argv: args,
                                       environment: ChildProcess.currentEnvironment())
        // Own process group: a Ctrl-C at the terminal reaches the orchestrator only, which
        // drains the workers in order.
        options.newProcessGroup = true
        options.parentDeathSignal = SIGTERM
        let pid: pid_t
        do {
            pid = try ForkExec.spawn(options) { pid in
                state.withLock { $0.children[pid] = Child(id: id, pid: pid, started: Monotonic.now(), stopping: false) }
            }
        } catch {
            logger.error("cannot spawn a worker (\(executable)): \(error)")
            state.withLock { s in s.children = s.children.filter { $0.value.id != id } }
            return false
        }
        _ = pid
        onChange(children)
        return true
    }

    /// Reaps dead processes re-parented to this subreaper that belong to no worker's recorded
    /// group (a task's descendant that left its group): without this they stay zombies.
    private func reapAdoptedOrphans() {
        let known = Set(state.withLock { Array($0.children.keys) }).union(foreignChildren())
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for tid in tasks {
            guard let text = try? String(contentsOfFile: "/proc/self/task/\(tid)/children", encoding: .utf8) else { continue }
            for pid in text.split(separator: " ").compactMap({ pid_t($0) }) where !known.contains(pid) {
                if ProcessInfoFile.state(of: pid) == "Z" {
                    var status: Int32 = 0
                    _ = waitpid(pid, &status, WNOHANG)
                }
            }
        }
    }

    private func reapLoop() {
        var client: SchedulerClient?
        var polls = 0
        while true {
            // Poll our own children only (every 5 ms, WNOHANG): other children of this process,
            // such as the embedded redis-server, belong to someone else, who reaps them.
            let pids = state.withLock { Array($0.children.keys) }
            var reaped: (pid_t, Int32)?
            for pid in pids {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { reaped = (pid, status); break }
            }
            guard let (pid, status) = reaped else {
                polls += 1
                if polls % 200 == 0 { reapAdoptedOrphans() }
                sleepSeconds(0.005)
                continue
            }
            guard let child = state.withLock({ $0.children[pid] }) else { continue }
            // The worker is gone but its task's processes may not be: kill the recorded group
            // (and reap what was re-parented to us) before anyone may run the task again.
            if let pgid = groupRecord(child.id).killRecordedGroup() {
                logger.info("killed the task process group \(pgid) of worker \(child.id)")
            }
            state.withLock { _ = $0.children.removeValue(forKey: pid) }
            exited.signal()
            onChange(children)
            let how = WorkerID.describe(status)
            let clean = child.stopping && how == "exited with status 0"
            if clean { continue }
            // Requeue its task at once: no need to wait for a lease to expire.
            if client == nil { client = try? SchedulerClient(redis: RedisConnection(url: url), namespace: namespace) }
            do { try client?.requeueWorker(child.id, reason: how) } catch {
                logger.warning("could not requeue the task of \(child.id): \(error)")
                client = nil
            }
            if child.stopping { continue }
            let now = Monotonic.now()
            let (loop, delay) = state.withLock { s -> (Bool, Double) in
                s.deaths = s.deaths.filter { now - $0 < crashWindow } + [now]
                s.consecutiveCrashes = now - child.started < crashWindow ? s.consecutiveCrashes + 1 : 1
                let wasLooping = s.crashLooping
                s.crashLooping = s.deaths.count >= crashThreshold
                // Crash-looping workers come back much more slowly.
                let d = backoff.delay(attempt: s.consecutiveCrashes) * (s.crashLooping ? 4 : 1)
                s.nextSpawnAt = now + min(d, backoff.max * 4)
                return (s.crashLooping && !wasLooping, d)
            }
            logger.warning("worker \(child.id) (pid \(pid)) \(how); respawning in \(String(format: "%.2f", delay)) s")
            if loop {
                logger.error("workers are crash-looping: \(crashThreshold) deaths within \(crashWindow) s; respawning more slowly")
                try? client?.note(.workerCrashLoop(deaths: crashThreshold, windowSeconds: crashWindow))
            }
        }
    }
}

/// Worker ids and exit descriptions.
enum WorkerID {
    static func make() -> String {
        "\(ProcessInfo.processInfo.hostName)-w\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }

    static func describe(_ status: Int32) -> String {
        let sig = status & 0x7f
        if sig == 0 { return "exited with status \((status >> 8) & 0xff)" }
        return "was killed by signal \(sig)"
    }
}
