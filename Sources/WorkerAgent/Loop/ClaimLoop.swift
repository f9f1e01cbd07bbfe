import Foundation
import Logging
import RedisKit
import Scheduler
import SwarmSupport
import Synchronization

/// The worker's work, on a thread of its own (like Asynq's processor): claims a task by blocking
/// on its route queues (`BLMPOP`, never on Swift's cooperative pool), runs it through `TaskRun`,
/// and hands the outcome to the reporter, whose `complete` may bring the next task in the same
/// round trip. It claims nothing while the host is overloaded, and ends when stopped (after its
/// task) or idle for `idle_timeout`.
///
/// Redis going away never ends it: every call is retried with capped backoff and a log line
/// (when Redis first fails, every ten seconds while it stays away, and when it is back).
final class ClaimLoop: Sendable {
    let settings: WorkerSettings
    let connection: WorkerConnection
    private let state: WorkerState
    private let reporter: Reporter
    let workspaces: Workspaces
    let logger: Logger
    private let stopFlag = Mutex(false)
    private let exit = Mutex<WorkerExit?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// A claim loop for the worker `settings.id`; `start()` starts it.
    init(settings: WorkerSettings, connection: WorkerConnection, state: WorkerState, reporter: Reporter,
         workspaces: Workspaces? = nil, logger: Logger) {
        self.settings = settings
        self.workspaces = workspaces ?? Workspaces(settings: settings)
        self.connection = connection
        self.state = state
        self.reporter = reporter
        self.logger = logger
    }

    /// Starts claiming on a thread of its own.
    func start() {
        let thread = Thread { [self] in
            let why = run()
            exit.withLock { $0 = why }
            done.signal()
        }
        thread.name = "swarm-claim"
        thread.start()
    }

    /// Asks the loop to end after its current task (safe from any thread or signal source).
    func stop() { stopFlag.withLock { $0 = true } }

    /// Whether a stop was asked for.
    var isStopping: Bool { stopFlag.withLock { $0 } }

    /// Waits up to `timeout` seconds (forever when nil) for the loop to end; why it ended, or
    /// nil when it still runs.
    func wait(timeout: Double? = nil) -> WorkerExit? {
        if let timeout {
            guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        } else {
            done.wait()
        }
        done.signal()
        return exit.withLock { $0 }
    }

    private var who: String { "worker \(settings.id)" }

    private func run() -> WorkerExit {
        guard let client = connect() else { return .stopped }
        var lastWork = Monotonic.now()
        var outage = RedisOutage()
        var next: StartedTask?
        while !isStopping || next != nil {
            if settings.idleTimeout > 0 && Monotonic.now() - lastWork > settings.idleTimeout { return .idle }
            let (routes, overloaded) = state.withLock { ($0.routes, $0.overloaded) }
            if overloaded && next == nil {
                sleepSeconds(min(settings.heartbeatInterval, 1))
                continue
            }
            do {
                let claimed: StartedTask?
                if let n = next { claimed = n } else {
                    let sent = Monotonic.now()
                    claimed = try client.claim(worker: settings.id, routes: routes, blockSeconds: settings.claimBlock)
                    state.withLock { $0.renewed = sent }
                }
                next = nil
                outage.succeeded(who: who, address: connection.url.address, logger: logger)
                guard let task = claimed else { continue }
                next = execute(task, client: client, nextRoutes: routes)
                lastWork = Monotonic.now()
            } catch {
                let delay = outage.failed(error, who: who, address: connection.url.address, logger: logger)
                sleepUnlessStopping(delay)
            }
        }
        return .stopped
    }

    /// Connects, retrying as long as it takes; nil when stopped first.
    private func connect() -> SchedulerClient? {
        var outage = RedisOutage()
        while !isStopping {
            do {
                let client = try connection.open()
                outage.succeeded(who: who, address: connection.url.address, logger: logger)
                return client
            } catch {
                let delay = outage.failed(error, who: who, address: connection.url.address, logger: logger)
                sleepUnlessStopping(delay)
            }
        }
        return nil
    }

    /// Runs a task and reports it; returns the next task when the report also claimed one.
    private func execute(_ task: StartedTask, client: SchedulerClient, nextRoutes: [String]) -> StartedTask? {
        let cancel = try? CancellationToken()
        state.withLock { $0.task = task; $0.cancel = cancel }
        let outcome = TaskRun(settings: settings, workspaces: workspaces).run(task, cancellation: cancel)
        state.withLock { $0.cancel = nil }
        defer { state.withLock { if $0.task?.gid == task.gid { $0.task = nil } } }
        if case let .abandoned(why) = outcome {
            logger.info("worker \(settings.id): abandoned \(task.gid): \(why)")
            return nil
        }
        // Ask for the next task with the report, unless stopping or overloaded (decided now,
        // after the run: a stop may have come while it ran).
        let wantNext = !isStopping && !state.overloaded && outcome.branch == nil
        let next = reporter.report(task, outcome: outcome, client: client, nextRoutes: wantNext ? nextRoutes : [])
        if outcome.branch != nil {
            // A repository task now waits in `merging`: this worker merges its feature's queue
            // (it claimed no next task, so nothing waits on it meanwhile).
            state.withLock { if $0.task?.gid == task.gid { $0.task = nil } }
            mergeQueue(of: task.feature, client: client)
        }
        return next
    }

    /// Sleeps, waking early when a stop is requested.
    private func sleepUnlessStopping(_ seconds: Double) {
        let until = Monotonic.now() + seconds
        while !isStopping && Monotonic.now() < until { sleepSeconds(min(0.05, until - Monotonic.now())) }
    }
}
