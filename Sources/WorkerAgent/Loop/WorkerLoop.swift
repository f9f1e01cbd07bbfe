import Foundation
import Logging
import RedisKit
import Scheduler

/// Why a worker loop ended.
public enum WorkerExit: Sendable, Equatable {
    /// Asked to stop (SIGTERM, drain): finished its task first.
    case stopped
    /// Idle longer than `idle_timeout`.
    case idle
}

/// Errors that end a worker (the supervisor respawns it with backoff).
public enum WorkerError: Error, Sendable, CustomStringConvertible {
    /// Redis stayed unreachable past the worker's patience. No longer thrown by `run()`, which
    /// waits for Redis as long as it takes; kept for callers that match on it.
    case redisUnavailable(SchedulerError)
    /// The redactor could not be built from config.
    case badRedaction(String)

    /// A message saying what to fix.
    public var description: String {
        switch self {
        case let .redisUnavailable(e): return "worker giving up on Redis: \(e)"
        case let .badRedaction(m): return "invalid security.redact_patterns: \(m)"
        }
    }
}

/// One worker, in three parts that each run on a thread of their own: the ``Heartbeat``
/// (registers, beats every `heartbeat_interval` with host load, renews the running task's lease,
/// refreshes routes, registers again when its record is gone), the ``ClaimLoop`` (claims, runs
/// one task at a time through ``TaskRun``) and the ``Reporter`` (settles the task with its
/// fencing token). ``LeaseFence`` kills a task whose lease has gone unrenewed too long. A lost
/// lease (its heartbeat is refused) cancels the running task at once.
///
/// Redis going away never ends a worker: every Redis call is retried with capped backoff and a
/// log line (when Redis first fails, every ten seconds while it stays away, and when it is back),
/// and a finished task's report is sent again with the same fencing token until it lands or is
/// refused as stale.
public final class WorkerLoop: Sendable {
    /// Settings.
    public let settings: WorkerSettings
    private let logger: Logger
    private let state = WorkerState()
    private let heartbeat: Heartbeat
    private let reporter: Reporter
    private let claims: ClaimLoop
    /// This host's repository mirrors and worktrees (records go to Redis on their own link).
    private let workspaces: Workspaces

    /// Creates a worker; `run()` starts it.
    public init(settings: WorkerSettings, url: RedisURL, options: RedisOptions = RedisOptions(), namespace: String,
                logger: Logger = Logger(label: "swarm.worker")) {
        self.settings = settings
        self.logger = logger
        let connection = WorkerConnection(url: url, options: options, namespace: namespace)
        heartbeat = Heartbeat(settings: settings, connection: connection, state: state, logger: logger)
        reporter = Reporter(settings: settings, address: url.address, state: state, logger: logger)
        workspaces = Workspaces(settings: settings, recorder: WorkspaceRecorder(url: url, options: options, namespace: namespace))
        claims = ClaimLoop(settings: settings, connection: connection, state: state, reporter: reporter,
                           workspaces: workspaces, logger: logger)
    }

    /// Asks the worker to stop after its current task (safe from any thread or signal source).
    public func stop() { claims.stop() }

    /// Stops now: cancels the running task (its lease stays, so it is requeued when reaped or
    /// when the supervisor reports this worker gone) and gives up a report still being retried.
    public func stopNow() {
        stop()
        reporter.stop()
        state.withLock { $0.cancel?.cancel() }
    }

    /// Stops now without grace: the task's process group gets SIGKILL at once. For a worker
    /// whose supervisor died: nobody is left to kill the group later.
    public func abandonNow() {
        stop()
        state.withLock { $0.cancel?.cancelNow() }
    }

    /// Runs until stopped or idle. Waits out any Redis outage (it never gives up on Redis).
    public func run() throws(WorkerError) -> WorkerExit {
        // Tasks run as this user: keep them out of /proc/<worker>/environ and memory, which
        // hold the Redis URL.
        ProcessPrivacy.hideFromSameUser()
        if settings.specTrust.verifies {
            logger.info("worker \(settings.id): \(settings.specTrust.startupMessage)")
        } else {
            logger.warning("worker \(settings.id): \(settings.specTrust.startupMessage)")
        }
        heartbeat.start()
        // Last: the heartbeat stops (and deregisters) only when the claim loop has ended, since
        // a task still running or being reported needs its lease kept alive.
        defer { heartbeat.stop() }
        guard heartbeat.waitUntilRegistered(unless: { claims.isStopping }) else { return .stopped }
        let fence = LeaseFence(lease: heartbeat.runLease ?? 15, check: { [state] in state.leaseAge() },
                               kill: { [state, logger, settings] age in
            if let gid = state.killRunningTask() {
                logger.warning("worker \(settings.id): no lease renewal for \(String(format: "%.1f", age)) s; killed the process group of \(gid) before its lease can expire")
            }
        })
        fence.start()
        defer { fence.stop() }
        // Killed attempts, discard requests and merged tasks of this host's worktrees.
        let janitor = WorkspaceJanitor(workspaces: workspaces)
        janitor.start()
        defer { janitor.stop() }
        // Claim only once the first heartbeat has measured the host: an overloaded host must not
        // take a task in the first moments.
        heartbeat.waitForFirstBeat(timeout: 2)
        claims.start()
        return claims.wait() ?? .stopped
    }
}
