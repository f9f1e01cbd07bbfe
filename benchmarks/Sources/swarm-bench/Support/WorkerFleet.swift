import Foundation
import RedisKit
import Scheduler
import SwarmSupport

/// Real worker processes (`orchestrator worker`) spawned and reaped by the harness.
final class WorkerFleet {
    /// One worker process.
    struct Worker {
        /// Worker id passed with `--id`.
        let id: String
        /// Process id.
        let pid: pid_t
        /// Monotonic time of the spawn.
        let spawnedAt: Double
    }

    private let context: BenchContext
    private let namespace: String
    /// Live workers.
    private(set) var workers: [Worker] = []
    private var serial = 0

    /// A fleet of workers on `namespace` (none spawned yet).
    init(_ context: BenchContext, namespace: String) {
        self.context = context
        self.namespace = namespace
    }

    /// Spawns `count` workers at once; returns them.
    @discardableResult
    func spawn(_ count: Int) throws -> [Worker] {
        var made: [Worker] = []
        for _ in 0..<count {
            serial += 1
            let id = "bench-\(namespace)-w\(serial)"
            let args = [context.orchestrator, "worker", "--id", id, "--namespace", namespace,
                        "--redis", "unix://" + context.server.socketPath, "--config", context.workerConfig]
            let log = context.server.configuration.directory + "/workers.log"
            let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
            let logFD = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            defer { for fd in [devNull, logFD] where fd >= 0 { close(fd) } }
            var options = ForkExec.Options(path: context.orchestrator, argv: args, environment: ChildProcess.currentEnvironment())
            options.stdio = (devNull, logFD, logFD)
            options.newProcessGroup = false
            options.parentDeathSignal = 0
            let t = Monotonic.now()
            let pid: pid_t
            do { pid = try ForkExec.spawn(options) } catch {
                throw BenchError.setup("cannot spawn \(context.orchestrator): \(error)")
            }
            let w = Worker(id: id, pid: pid, spawnedAt: t)
            workers.append(w)
            made.append(w)
        }
        return made
    }

    /// Waits until `count` workers of the namespace are registered.
    func waitRegistered(_ count: Int, redis: RedisConnection, timeout: Double = 60) throws {
        let keys = Keys(namespace: namespace)
        let deadline = Monotonic.now() + timeout
        while (try redis.send("ZCARD", keys.workers).int ?? 0) < count {
            if Monotonic.now() > deadline {
                throw BenchError.timeout("only \(try redis.send("ZCARD", keys.workers)) of \(count) workers registered; see \(context.server.configuration.directory)/workers.log")
            }
            sleepSeconds(0.002)
        }
    }

    /// Kills one worker at once (SIGKILL) and reaps it.
    func kill(_ w: Worker) {
        Glibc.kill(w.pid, SIGKILL)
        var status: Int32 = 0
        waitpid(w.pid, &status, 0)
        workers.removeAll { $0.pid == w.pid }
    }

    /// Stops every worker: SIGTERM (finish the task, deregister), SIGKILL after `grace` seconds.
    func stopAll(grace: Double = 5) {
        for w in workers { Glibc.kill(w.pid, SIGTERM) }
        let deadline = Monotonic.now() + grace
        var left = workers
        while !left.isEmpty && Monotonic.now() < deadline {
            var status: Int32 = 0
            left.removeAll { waitpid($0.pid, &status, WNOHANG) == $0.pid }
            if !left.isEmpty { sleepSeconds(0.01) }
        }
        for w in left {
            Glibc.kill(w.pid, SIGKILL)
            var status: Int32 = 0
            waitpid(w.pid, &status, 0)
        }
        workers = []
    }
}
