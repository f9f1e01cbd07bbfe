import Foundation
import Logging
import RedisKit
import Scheduler
import Synchronization

/// Keeps the local fleet of worker processes at the desired size: spawns them, notices a death
/// at once (a thread blocked in `waitpid`, not missed heartbeats), requeues the dead worker's
/// task immediately, respawns with capped backoff, and reports crash loops.
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

    init(executable: String, workerArguments: [String], backoff: Backoff, crashWindow: Double, crashThreshold: Int,
         url: RedisURL, namespace: String, logger: Logger) {
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

    /// Spawns or stops workers so `desired` are live. Spawns wait out the respawn backoff.
    func reconcile(desired: Int) {
        let (live, due) = state.withLock { s in (s.children.values.filter { !$0.stopping }.count, Monotonic.now() >= s.nextSpawnAt) }
        if live < desired, due {
            for _ in live..<desired { spawn() }
        } else if live > desired {
            let extra = state.withLock { s -> [Child] in
                let victims = s.children.values.filter { !$0.stopping }.sorted { $0.started > $1.started }.prefix(live - desired)
                for v in victims { s.children[v.pid]?.stopping = true }
                return Array(victims)
            }
            for c in extra { kill(c.pid, SIGTERM) }
        }
    }

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
        for c in all { _ = try? client?.requeueWorker(c.id, reason: "stopped at once by the orchestrator") }
    }

    /// Waits until no child is left, up to `timeout` seconds; true if none is.
    func waitForAll(timeout: Double) -> Bool {
        let deadline = Monotonic.now() + timeout
        while total > 0 && Monotonic.now() < deadline { _ = exited.wait(timeout: .now() + 0.1) }
        return total == 0
    }

    private func spawn() {
        let id = WorkerID.make()
        let args = [executable, "worker", "--id", id] + workerArguments
        var pid: pid_t = 0
        var attrs = posix_spawnattr_t()
        posix_spawnattr_init(&attrs)
        defer { posix_spawnattr_destroy(&attrs) }
        // Own process group: a Ctrl-C at the terminal reaches the orchestrator only, which
        // drains the workers in order.
        posix_spawnattr_setflags(&attrs, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attrs, 0)
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        let rc = posix_spawn(&pid, executable, nil, &attrs, &cargs, environ)
        guard rc == 0 else {
            logger.error("cannot spawn a worker (\(executable)): \(String(cString: strerror(rc)))")
            return
        }
        state.withLock { $0.children[pid] = Child(id: id, pid: pid, started: Monotonic.now(), stopping: false) }
    }

    private func reapLoop() {
        var client: SchedulerClient?
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
                sleepSeconds(0.005)
                continue
            }
            guard let child = state.withLock({ $0.children.removeValue(forKey: pid) }) else { continue }
            exited.signal()
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
                _ = try? client?.redis.send("XADD", client!.keys.events, "*", "type", "worker_crash_loop", "task", "", "feature", "",
                                            "ts", Int(Date().timeIntervalSince1970 * 1000), "deaths", crashThreshold,
                                            "window_s", crashWindow)
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
