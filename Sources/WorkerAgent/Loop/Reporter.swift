import Logging
import RedisKit
import Scheduler
import SwarmSupport
import Synchronization

/// Sends a finished task's report: `complete` (which may hand back the next task), `fail` or
/// `reject_spec`, with the attempt's fencing token. A report lost to a dropped link is sent again
/// with the same token until it lands or is refused as stale (the task was taken over), however
/// long Redis stays away: fencing makes the repeat safe. Meanwhile the heartbeat keeps the lease,
/// since the worker's state still names the task.
///
/// It runs on the claim loop's thread: a worker runs one task at a time, and its next claim waits
/// for this report. `stop()` gives up a report being retried (a stop at once).
final class Reporter: Sendable {
    private let settings: WorkerSettings
    private let address: String
    private let state: WorkerState
    private let logger: Logger
    private let stopFlag = Mutex(false)

    /// A reporter for the worker `settings.id`, talking to Redis at `address` (for log lines).
    init(settings: WorkerSettings, address: String, state: WorkerState, logger: Logger) {
        self.settings = settings
        self.address = address
        self.state = state
        self.logger = logger
    }

    /// Gives up: a report that fails from now on is dropped, and the task is left to its lease
    /// (it runs again when the lease expires, or at once when the worker deregisters).
    func stop() { stopFlag.withLock { $0 = true } }

    private var who: String { "worker \(settings.id)" }

    /// Reports `outcome` of `task` through `client`; with `nextRoutes`, a success also claims the
    /// next task from them, which is returned (already started, and recorded as the worker's task).
    func report(_ task: StartedTask, outcome: TaskOutcome, client: SchedulerClient, nextRoutes: [String]) -> StartedTask? {
        if case let .rejected(reason) = outcome { logger.error("worker \(settings.id): refused to run \(task.gid): \(reason)") }
        var outage = RedisOutage()
        var otherErrors = 0
        while true {
            do {
                let next = try send(task, outcome: outcome, client: client, nextRoutes: nextRoutes)
                if let line = outage.succeeded(who: who, address: address) { logger.info("\(line); reported \(task.gid)") }
                return next
            } catch .stale {
                logger.info("worker \(settings.id): \(task.gid) was taken over; our report was refused")
                return nil
            } catch {
                if stopFlag.withLock({ $0 }) {
                    logger.warning("worker \(settings.id): stopping at once without reporting \(task.gid) (\(error)); it runs again when its lease expires")
                    return nil
                }
                var connectionTrouble = false
                if case let .redis(e) = error, e.isConnectionError { connectionTrouble = true }
                if !connectionTrouble {
                    // Not the link: the same call would fail the same way forever. Let the lease
                    // expire instead (the task is retried by the reaper).
                    otherErrors += 1
                    if otherErrors >= 3 {
                        logger.error("worker \(settings.id): cannot report \(task.gid): \(error); leaving it to its lease")
                        return nil
                    }
                }
                let delay = outage.failed(error, who: "\(who) reporting \(task.gid)", address: address, logger: logger)
                sleepSeconds(delay)
            }
        }
    }

    /// One try at the report.
    private func send(_ task: StartedTask, outcome: TaskOutcome, client: SchedulerClient,
                      nextRoutes: [String]) throws(SchedulerError) -> StartedTask? {
        switch outcome {
        case let .succeeded(tokens, result, branch):
            let sent = Monotonic.now()
            let reply = try client.completeAndClaim(task, worker: settings.id, tokensUsed: tokens, result: result, routes: nextRoutes,
                                                    branch: branch)
            if let n = reply.next { state.withLock { $0.task = n; $0.renewed = sent } }
            return reply.next
        case let .failed(kind, reason, tokens, output):
            try client.fail(task, worker: settings.id, kind: kind, reason: reason, tokensUsed: tokens, output: output)
        case let .rejected(reason):
            try client.rejectSpec(task, worker: settings.id, reason: reason)
        case .abandoned:
            break
        }
        return nil
    }
}
