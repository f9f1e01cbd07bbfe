import Foundation
import Logging
import RedisKit
import Scheduler
import SwarmSupport
import Synchronization

/// A worker's membership and pulse, on a thread of its own (like Asynq's heartbeater). It
/// registers the worker (retrying as long as Redis is away), then every `heartbeat_interval`
/// sends the host's load, renews the lease of the running task, refreshes the routes (every
/// fifth beat) and registers again when the worker's record is gone. A refused renewal kills the
/// task at once. `stop()` deregisters.
///
/// It is stopped only once the worker has finished its last task, not when a stop is merely
/// requested: a task still running needs its lease kept alive.
final class Heartbeat: Sendable {
    private let settings: WorkerSettings
    private let connection: WorkerConnection
    private let state: WorkerState
    private let logger: Logger
    private let stopFlag = Mutex(false)
    private let started = Mutex(false)
    /// The run lease (seconds) once registered; nil before.
    private let lease = Mutex<Double?>(nil)
    private let done = DispatchSemaphore(value: 0)
    private let registeredSignal = DispatchSemaphore(value: 0)
    private let firstBeat = DispatchSemaphore(value: 0)

    /// A heartbeat for the worker `settings.id`; `start()` starts it.
    init(settings: WorkerSettings, connection: WorkerConnection, state: WorkerState, logger: Logger) {
        self.settings = settings
        self.connection = connection
        self.state = state
        self.logger = logger
    }

    /// Starts the heartbeat thread: it registers, then beats until `stop()`.
    func start() {
        started.withLock { $0 = true }
        let thread = Thread { [self] in run() }
        thread.name = "swarm-heartbeat"
        thread.start()
    }

    /// Stops beating, deregisters (when registered) and waits until the thread has ended.
    func stop() {
        stopFlag.withLock { $0 = true }
        if started.withLock({ $0 }) { done.wait() }
    }

    /// The namespace's run lease (seconds) as `up` configured it; nil until registered.
    var runLease: Double? { lease.withLock { $0 } }

    /// Waits until the worker is registered; false when `giveUp` says so first (checked every
    /// 50 ms).
    func waitUntilRegistered(unless giveUp: () -> Bool) -> Bool {
        while registeredSignal.wait(timeout: .now() + 0.05) == .timedOut {
            if giveUp() { return false }
        }
        registeredSignal.signal()
        return true
    }

    /// Waits up to `timeout` seconds for the first beat, which measures the host's load: an
    /// overloaded host must not take a task in its first moments.
    func waitForFirstBeat(timeout: Double) {
        if firstBeat.wait(timeout: .now() + timeout) == .success { firstBeat.signal() }
    }

    private var stopping: Bool { stopFlag.withLock { $0 } }
    private var who: String { "worker \(settings.id)" }

    private var registration: WorkerRegistration {
        WorkerRegistration(id: settings.id, host: settings.host, pid: Int(getpid()), capabilities: settings.capabilities,
                           routes: state.routes, agents: settings.agents.keys.sorted())
    }

    private func run() {
        defer { done.signal() }
        guard let registered = register() else { return }
        var client: SchedulerClient? = registered
        beat(&client)
        // A lost link has dropped `client`: one try on a fresh one (no retries: the worker is
        // leaving, and the scheduler declares a silent worker dead anyway).
        let last = client ?? (try? connection.open())
        try? last?.deregister(worker: settings.id, reason: "stopped")
    }

    /// Connects and registers, retrying as long as it takes; nil when stopped first.
    private func register() -> SchedulerClient? {
        var outage = RedisOutage()
        while !stopping {
            do {
                let client = try connection.open()
                let routes = try client.routes(forHost: settings.host, capabilities: settings.capabilities)
                state.withLock { $0.routes = routes }
                try client.register(registration)
                lease.withLock { $0 = Self.runLease(client) }
                outage.succeeded(who: who, address: connection.url.address, logger: logger)
                registeredSignal.signal()
                return client
            } catch {
                let delay = outage.failed(error, who: who, address: connection.url.address, logger: logger)
                sleepUnlessStopping(delay)
            }
        }
        return nil
    }

    /// The namespace's run lease (seconds), as `up` configured it.
    private static func runLease(_ client: SchedulerClient) -> Double {
        ((try? client.runLeaseSeconds()) ?? nil) ?? 15
    }

    /// Beats every `heartbeat_interval` until stopped; `client` is nil while the link is down.
    private func beat(_ client: inout SchedulerClient?) {
        // A short first window: claiming waits for this first measurement.
        var sampler = HostLoadSampler(initialWindow: 0.01)
        var beats = 0
        var outage = RedisOutage()
        while !stopping {
            let start = Monotonic.now()
            do {
                if client == nil { client = try connection.open() }
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
                    if fresh != state.routes { newRoutes = fresh }
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
                outage.succeeded(who: "\(who) heartbeat", address: connection.url.address, logger: logger)
                if !owned, let t = task { logger.warning("worker \(settings.id): lost the lease of \(t.gid); stopping it") }
            } catch SchedulerError.refused(.unknownWorker, let message) {
                // Our record expired (or Redis lost it): stop the task we hold, whose lease is
                // gone with it, and register again.
                logger.warning("worker \(settings.id): \(message); registering again")
                state.withLock { $0.cancel?.cancelNow() }
                if let c = client { _ = try? c.register(registration) }
            } catch {
                _ = outage.failed(error, who: "\(who) heartbeat", address: connection.url.address, logger: logger)
                client = nil
            }
            sleepUnlessStopping(settings.heartbeatInterval - (Monotonic.now() - start))
        }
    }

    /// Sleeps, waking early when stopped.
    private func sleepUnlessStopping(_ seconds: Double) {
        let until = Monotonic.now() + seconds
        while !stopping && Monotonic.now() < until { sleepSeconds(min(0.05, until - Monotonic.now())) }
    }
}
