import Planner

/// Scheduler settings the Redis functions read from the namespace's `config` hash. Written by
/// `SchedulerClient.configure` whenever an orchestrator or a submit starts, so every function
/// call of every client sees the same values.
///
/// ``values`` is the one table of them: it gives both the fields `configure` writes and the
/// Lua's defaults for a field that is not set (generated from `SchedulerSettings()`). Defaults
/// that config.yaml also has come from ``OrchestratorConfig``, so each is written once.
public struct SchedulerSettings: Sendable, Equatable {
    /// Per task type limits.
    public struct TypeLimits: Sendable, Equatable {
        /// Dispatched + running tasks of this type at most (0 = unlimited).
        public var maxConcurrent: Int
        /// Starts per second (GCRA; 0 = unlimited).
        public var ratePerSecond: Double
        /// Starts allowed at once before the rate applies.
        public var burst: Int

        /// Creates limits.
        public init(maxConcurrent: Int = 0, ratePerSecond: Double = 0, burst: Int = 1) {
            self.maxConcurrent = maxConcurrent
            self.ratePerSecond = ratePerSecond
            self.burst = burst
        }
    }

    private static let file = OrchestratorConfig()

    /// Tasks queued per route at most; the rest wait in priority order.
    public var queueDepth = SchedulerSettings.file.queueDepth
    /// Seconds a dispatched task may wait for a worker to start it once popped.
    public var dispatchLease = SchedulerSettings.file.dispatchLease
    /// Seconds a running task's lease lasts without a heartbeat.
    public var runLease = SchedulerSettings.file.runLease
    /// Seconds of waiting worth one priority point (so nothing starves).
    public var priorityAging = SchedulerSettings.file.priorityAging
    /// Approximate length the events stream is trimmed to.
    public var eventsMaxlen = SchedulerSettings.file.eventsMaxlen
    /// First retry delay, seconds.
    public var retryBase = SchedulerSettings.file.retryBase
    /// Largest retry delay, seconds.
    public var retryMax = SchedulerSettings.file.retryMax
    /// Jitter fraction of retry delays.
    public var retryJitter = SchedulerSettings.file.retryJitter
    /// Worker losses a task survives before it is dead-lettered as a poison task.
    public var maxLost = 5
    /// Seconds without a heartbeat after which a worker is dead.
    public var workerTTL = 10.0
    /// Tasks admitted per dispatch call.
    public var dispatchBatch = SchedulerSettings.file.dispatchBatch
    /// Ready candidates looked at per dispatch call.
    public var dispatchScan = 1024
    /// Tasks admitted by the dispatch a settling call (`complete`, `fail`, `reject_spec`) runs
    /// before it returns, so a chain moves without a scheduler round trip; kept small, as the
    /// worker waits for that call.
    public var inlineDispatch = 8
    /// Ready candidates that inline dispatch looks at.
    public var inlineScan = 64
    /// Seconds before a task's deadline from which it ranks as if it had waited since then
    /// (a task due in less than this overtakes tasks enqueued after deadline − lead).
    public var deadlineLead = SchedulerSettings.file.deadlineLead
    /// Rate limit for types without their own.
    public var defaultRate = TypeLimits()
    /// Limits by task type.
    public var types: [String: TypeLimits] = [:]

    /// The defaults.
    public init() {}

    /// How a setting is stored in the `config` hash.
    enum Stored {
        /// An integer.
        case count(Int)
        /// A number.
        case number(Double)
        /// Seconds, stored as whole milliseconds (what the Lua's clock counts).
        case ms(Double)

        var text: String {
            switch self {
            case let .count(n): return "\(n)"
            case let .number(x): return "\(x)"
            case let .ms(seconds): return String(Int((seconds * 1000).rounded()))
            }
        }
    }

    /// The settings the Lua reads by name, with their stored form: the one table of them.
    var values: [(name: String, value: Stored)] {
        [("queue_depth", .count(queueDepth)), ("dispatch_lease", .ms(dispatchLease)), ("run_lease", .ms(runLease)),
         ("priority_aging", .number(priorityAging)), ("events_maxlen", .count(eventsMaxlen)),
         ("retry_base", .ms(retryBase)), ("retry_max", .ms(retryMax)), ("retry_jitter", .number(retryJitter)),
         ("max_lost", .count(maxLost)), ("worker_ttl", .ms(workerTTL)),
         ("dispatch_batch", .count(dispatchBatch)), ("dispatch_scan", .count(dispatchScan)),
         ("inline_dispatch", .count(inlineDispatch)), ("inline_scan", .count(inlineScan)),
         ("deadline_lead", .number(deadlineLead)),
         ("rate:*", .number(defaultRate.ratePerSecond)), ("burst:*", .count(defaultRate.burst))]
    }

    /// The flat field/value list stored in the `config` hash (times in ms).
    var fields: [(String, String)] {
        var f = values.map { ($0.name, $0.value.text) }
        for (name, l) in types.sorted(by: { $0.key < $1.key }) {
            f += [("max:" + name, "\(l.maxConcurrent)"), ("rate:" + name, "\(l.ratePerSecond)"), ("burst:" + name, "\(l.burst)")]
        }
        return f
    }

    /// The Lua defaults, from `SchedulerSettings()`: what a function reads for a setting the
    /// `config` hash lacks (a namespace nobody configured, or a hash wiped by hand).
    static var luaSource: String {
        let pairs = SchedulerSettings().values.map { "['\($0.name)'] = \($0.value.text)" }.joined(separator: ", ")
        return """
        -- Generated from Swift's SchedulerSettings (Sources/Scheduler/SchedulerSettings.swift).
        local DEFAULTS = {\(pairs)}

        """
    }
}
