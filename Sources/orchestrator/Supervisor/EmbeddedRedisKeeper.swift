import Foundation
import Logging
import Planner
import RedisKit
import SwarmSupport
import Synchronization

/// The embedded redis-server `up` owns, kept alive: started in the private state directory with
/// a generated password and the append-only file on, watched by a thread of its own, and
/// restarted with capped backoff when it dies (replaying its AOF, so it comes back with every
/// acknowledged write). Workers, the scheduler loop and the ledger writer reconnect on their own.
final class EmbeddedRedisKeeper: Sendable {
    /// The server process (its pid changes with each restart).
    let server: RedisServerProcess
    private let logger: Logger
    private let backoff: Backoff
    /// A server that ran this long before dying starts over at the shortest restart delay.
    private let stableAfter: Double
    private let stopFlag = Mutex(false)
    private let restartCount = Mutex(0)
    private let watcherDone = DispatchSemaphore(value: 0)

    /// Describes the server; `start()` runs it.
    init(stateDir: String, password: String, durability: RedisConfig.Durability, logger: Logger,
         backoff: Backoff = Backoff(base: 0.1, max: 5), stableAfter: Double = 30) {
        server = RedisServerProcess(.init(directory: stateDir, appendOnly: true, appendFsync: durability.rawValue,
                                          password: password))
        self.logger = logger
        self.backoff = backoff
        self.stableAfter = stableAfter
    }

    /// The server's current pid (nil while it is down).
    var pid: pid_t? { server.pid }
    /// How many times it has been restarted.
    var restarts: Int { restartCount.withLock { $0 } }

    /// Starts the server, waits until it answers, and starts watching it.
    func start() throws(RedisServerError) {
        try server.start()
        let watcher = Thread { [self] in watch() }
        watcher.name = "swarm-redis-keeper"
        watcher.start()
    }

    /// Stops watching (so nothing restarts it), then stops the server.
    func stop() {
        let wasRunning = stopFlag.withLock { v -> Bool in let was = !v; v = true; return was }
        if wasRunning { watcherDone.wait() }
        server.stop()
    }

    private var stopping: Bool { stopFlag.withLock { $0 } }

    private func watch() {
        defer { watcherDone.signal() }
        var startedAt = Monotonic.now()
        var consecutive = 0
        while !stopping {
            guard let how = server.reapIfExited() else {
                sleepSeconds(0.02)
                continue
            }
            let downAt = Monotonic.now()
            consecutive = downAt - startedAt >= stableAfter ? 1 : consecutive + 1
            var delay = consecutive == 1 ? 0 : backoff.delay(attempt: consecutive - 1)
            logger.warning("the embedded redis-server \(how); restarting it\(delay > 0 ? " in \(delay) s" : "") (replaying its append-only file in \(server.configuration.directory)); workers, the scheduler and the ledger writer wait and reconnect")
            while !stopping {
                sleepInterruptibly(delay)
                if stopping { return }
                do {
                    try server.start(timeout: 60)
                    startedAt = Monotonic.now()
                    let n = restartCount.withLock { $0 += 1; return $0 }
                    logger.warning("the embedded redis-server is back (pid \(server.pid.map(String.init) ?? "?"), restart \(n)) after \(Int((startedAt - downAt) * 1000)) ms")
                    break
                } catch {
                    consecutive += 1
                    delay = backoff.delay(attempt: consecutive - 1)
                    logger.error("could not restart the embedded redis-server: \(error); trying again in \(delay) s")
                }
            }
        }
    }

    private func sleepInterruptibly(_ seconds: Double) {
        let until = Monotonic.now() + seconds
        while !stopping && Monotonic.now() < until { sleepSeconds(min(0.05, until - Monotonic.now())) }
    }
}
