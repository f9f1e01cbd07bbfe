import Foundation
import Logging
import Planner
import RedisKit
import Scheduler
import Synchronization

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

/// One worker: registers, heartbeats on a thread of its own, claims by blocking on its route
/// queues, runs one task at a time and settles it with its fencing token. A lost lease (its
/// heartbeat is refused) cancels the running task at once.
///
/// Redis going away never ends a worker: every Redis call is retried with capped backoff and a
/// log line (when Redis first fails, every ten seconds while it stays away, and when it is back),
/// and a finished task's report is sent again with the same fencing token until it lands or is
/// refused as stale.
public final class WorkerLoop: Sendable {
    /// Settings.
    public let settings: WorkerSettings
    private let url: RedisURL
    private let options: RedisOptions
    private let namespace: String
    private let logger: Logger
    private let state = Mutex(State())
    private let stopFlag = Mutex(false)
    /// The heartbeat runs until the worker has finished its last task (not when a stop is
    /// merely requested: a task still running needs its lease kept alive).
    private let heartbeatStop = Mutex(false)
    private let heartbeatDone = DispatchSemaphore(value: 0)
    private let firstBeat = DispatchSemaphore(value: 0)
    /// This host's repository mirrors and worktrees (records go to Redis on their own link).
    private let workspaces: Workspaces

    private struct State {
        var task: StartedTask?
        var cancel: CancellationToken?
        var routes: [String] = []
        var overloaded = false
        var routesChanged = false
        /// When the running task's lease was last renewed (monotonic time the renewing call was
        /// sent, so never later than Redis's own clock started the new lease).
        var renewed = 0.0
        var stopNowRequested = false
    }

    /// Creates a worker; `run()` starts it.
    public init(settings: WorkerSettings, url: RedisURL, options: RedisOptions = RedisOptions(), namespace: String,
                logger: Logger = Logger(label: "swarm.worker")) {
        self.settings = settings
        self.url = url
        self.options = options
        self.namespace = namespace
        self.logger = logger
        workspaces = Workspaces(settings: settings, recorder: WorkspaceRecorder(url: url, options: options, namespace: namespace))
    }

    /// Asks the worker to stop after its current task (safe from any thread or signal source).
    public func stop() { stopFlag.withLock { $0 = true } }

    /// Stops now: cancels the running task (its lease stays, so it is requeued when reaped or
    /// when the supervisor reports this worker gone).
    public func stopNow() {
        stop()
        state.withLock { $0.stopNowRequested = true; $0.cancel?.cancel() }
    }

    /// Stops now without grace: the task's process group gets SIGKILL at once. For a worker
    /// whose supervisor died: nobody is left to kill the group later.
    public func abandonNow() {
        stop()
        state.withLock { $0.cancel?.cancelNow() }
    }

    private var stopping: Bool { stopFlag.withLock { $0 } }

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
        guard let (client, routes) = connectAndRegister() else { return .stopped }
        state.withLock { $0.routes = routes }
        let hb = Thread { [self] in heartbeatLoop() }
        hb.name = "swarm-heartbeat"
        hb.start()
        let fence = LeaseFence(lease: Self.runLease(client), check: { [self] in leaseAge() }, kill: { [self] age in
            let killed = state.withLock { s -> String? in
                guard let t = s.task, let c = s.cancel, !c.isHard else { return nil }
                c.cancelNow()
                return t.gid
            }
            if let gid = killed {
                logger.warning("worker \(settings.id): no lease renewal for \(String(format: "%.1f", age)) s; killed the process group of \(gid) before its lease can expire")
            }
        })
        fence.start()
        defer { fence.stop() }
        let janitor = WorkspaceJanitor(workspaces: workspaces)
        janitor.start()
        defer { janitor.stop() }
        // Claim only once the first heartbeat has measured the host: an overloaded host must not
        // take a task in the first moments.
        _ = firstBeat.wait(timeout: .now() + 2)
        defer {
            stop()
            heartbeatStop.withLock { $0 = true }
            heartbeatDone.wait()
            try? client.deregister(worker: settings.id, reason: "stopped")
        }
        var lastWork = Monotonic.now()
        var outage = RedisOutage()
        var next: StartedTask?
        while !stopping || next != nil {
            if settings.idleTimeout > 0 && Monotonic.now() - lastWork > settings.idleTimeout { return .idle }
            let (currentRoutes, overloaded) = state.withLock { ($0.routes, $0.overloaded) }
            if overloaded && next == nil {
                sleepSeconds(min(settings.heartbeatInterval, 1))
                continue
            }
            do {
                let claimed: StartedTask?
                if let n = next { claimed = n } else {
                    let sent = Monotonic.now()
                    claimed = try client.claim(worker: settings.id, routes: currentRoutes, blockSeconds: settings.claimBlock)
                    state.withLock { $0.renewed = sent }
                }
                next = nil
                if let line = outage.succeeded(who: who, address: url.address) { logger.info("\(line)") }
                guard let task = claimed else { continue }
                next = try execute(task, client: client, nextRoutes: currentRoutes)
                lastWork = Monotonic.now()
            } catch {
                let (delay, line) = outage.failed(error, who: who, address: url.address)
                if let line { logger.warning("\(line)") }
                sleepUnlessStopping(delay)
            }
        }
        return .stopped
    }

    private var who: String { "worker \(settings.id)" }

    /// Sleeps, waking early when a stop is requested.
    private func sleepUnlessStopping(_ seconds: Double) {
        let until = Monotonic.now() + seconds
        while !stopping && Monotonic.now() < until { sleepSeconds(min(0.05, until - Monotonic.now())) }
    }

    /// Connects and registers, retrying as long as it takes; nil when asked to stop first.
    private func connectAndRegister() -> (SchedulerClient, [String])? {
        var outage = RedisOutage()
        while !stopping {
            do {
                let client = try SchedulerClient(redis: RedisConnection(url: url, options: options), namespace: namespace)
                let routes = try client.routes(forHost: settings.host, capabilities: settings.capabilities)
                try client.register(WorkerRegistration(id: settings.id, host: settings.host, pid: Int(getpid()),
                                                       capabilities: settings.capabilities, routes: routes,
                                                       agents: settings.agents.keys.sorted()))
                if let line = outage.succeeded(who: who, address: url.address) { logger.info("\(line)") }
                return (client, routes)
            } catch {
                let (delay, line) = outage.failed(error, who: who, address: url.address)
                if let line { logger.warning("\(line)") }
                sleepUnlessStopping(delay)
            }
        }
        return nil
    }

    /// Runs a task and reports it; returns the next task when the report also claimed one.
    private func execute(_ task: StartedTask, client: SchedulerClient, nextRoutes: [String]) throws(SchedulerError) -> StartedTask? {
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
        let wantNext = !stopping && !state.withLock { $0.overloaded }
        // A report lost to a dropped link is sent again with the same token until it lands or
        // is refused as stale (fencing makes the repeat safe), however long Redis stays away;
        // meanwhile the heartbeat keeps the lease, since `state.task` still names this task.
        var outage = RedisOutage()
        var otherErrors = 0
        while true {
            do {
                switch outcome {
                case let .succeeded(tokens, result, branch):
                    let sent = Monotonic.now()
                    let reply = try client.completeAndClaim(task, worker: settings.id, tokensUsed: tokens, result: result,
                                                            routes: wantNext ? nextRoutes : [], branch: branch)
                    if let n = reply.next { state.withLock { $0.task = n; $0.renewed = sent } }
                    if let line = outage.succeeded(who: who, address: url.address) { logger.info("\(line); reported \(task.gid)") }
                    return reply.next
                case let .failed(kind, reason, tokens, output):
                    try client.fail(task, worker: settings.id, kind: kind, reason: reason, tokensUsed: tokens, output: output)
                case let .rejected(reason):
                    logger.error("worker \(settings.id): refused to run \(task.gid): \(reason)")
                    try client.rejectSpec(task, worker: settings.id, reason: reason)
                case .abandoned:
                    break
                }
                if let line = outage.succeeded(who: who, address: url.address) { logger.info("\(line); reported \(task.gid)") }
                return nil
            } catch .stale {
                logger.info("worker \(settings.id): \(task.gid) was taken over; our report was refused")
                return nil
            } catch {
                if state.withLock({ $0.stopNowRequested }) {
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
                let (delay, line) = outage.failed(error, who: "\(who) reporting \(task.gid)", address: url.address)
                if let line { logger.warning("\(line)") }
                sleepSeconds(delay)
            }
        }
    }

    /// Seconds since the running task's lease was last renewed; nil when no task runs.
    private func leaseAge() -> Double? {
        state.withLock { s in s.task == nil || s.cancel == nil ? nil : Monotonic.now() - s.renewed }
    }

    /// The namespace's run lease (seconds), as `up` configured it.
    private static func runLease(_ client: SchedulerClient) -> Double {
        let ms = (try? client.redis.send("HGET", client.keys.config, "run_lease"))?.string.flatMap(Double.init)
        return (ms ?? 15_000) / 1000
    }

    private func heartbeatLoop() {
        defer { heartbeatDone.signal() }
        var client: SchedulerClient?
        // A short first window: claiming waits for this first measurement.
        var sampler = HostLoadSampler(initialWindow: 0.01)
        var beats = 0
        var outage = RedisOutage()
        while !heartbeatStop.withLock({ $0 }) {
            let start = Monotonic.now()
            do {
                if client == nil {
                    client = try SchedulerClient(redis: RedisConnection(url: url, options: options), namespace: namespace)
                }
                guard let c = client else { continue }
                var report = LoadReport()
                if let load = try? sampler.sample() {
                    let over = load.isOverloaded(maxCPUPercent: settings.maxCPUPercent, maxMemoryPercent: settings.maxMemoryPercent)
                    report = LoadReport(score: load.score(weights: settings.loadWeights), cpuPercent: load.cpuPercent,
                                        memoryPercent: load.memoryPercent, loadPerCore: load.loadPerCore, overloaded: over)
                }
                beats += 1
                var newRoutes: [String]?
                if beats % 5 == 0 {
                    let fresh = try c.routes(forHost: settings.host, capabilities: settings.capabilities)
                    if fresh != state.withLock({ $0.routes }) { newRoutes = fresh }
                }
                let task = state.withLock { $0.task }
                let sent = Monotonic.now()
                let owned = try c.heartbeat(worker: settings.id, task: task, load: report, routes: newRoutes)
                state.withLock {
                    $0.overloaded = report.overloaded
                    if let r = newRoutes { $0.routes = r }
                    if owned, task != nil, $0.task?.gid == task?.gid { $0.renewed = max($0.renewed, sent) }
                    // Someone else may run it already: no grace.
                    if !owned, $0.task?.gid == task?.gid { $0.cancel?.cancelNow() }
                }
                if beats == 1 { firstBeat.signal() }
                if let line = outage.succeeded(who: "\(who) heartbeat", address: url.address) { logger.info("\(line)") }
                if !owned, let t = task { logger.warning("worker \(settings.id): lost the lease of \(t.gid); stopping it") }
            } catch SchedulerError.badState(let message) where message.contains("not registered") {
                // Our record expired (or Redis lost it): stop the task we hold, whose lease is
                // gone with it, and register again.
                logger.warning("worker \(settings.id): \(message); registering again")
                state.withLock { $0.cancel?.cancelNow() }
                if let c = client {
                    let routes = state.withLock { $0.routes }
                    _ = try? c.register(WorkerRegistration(id: settings.id, host: settings.host, pid: Int(getpid()),
                                                            capabilities: settings.capabilities, routes: routes,
                                                            agents: settings.agents.keys.sorted()))
                }
            } catch {
                let (_, line) = outage.failed(error, who: "\(who) heartbeat", address: url.address)
                if let line { logger.warning("\(line)") }
                client = nil
            }
            let wait = settings.heartbeatInterval - (Monotonic.now() - start)
            var slept = 0.0
            while slept < wait && !heartbeatStop.withLock({ $0 }) {
                let step = min(0.1, wait - slept)
                sleepSeconds(step)
                slept += step
            }
        }
    }
}
