/// Scheduler settings the Redis functions read from the namespace's `config` hash. Written by
/// `SchedulerClient.configure` whenever an orchestrator or a submit starts, so every function
/// call of every client sees the same values.
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

    /// Tasks queued per route at most; the rest wait in priority order.
    public var queueDepth = 32
    /// Seconds a dispatched task may wait for a worker to start it once popped.
    public var dispatchLease = 10.0
    /// Seconds a running task's lease lasts without a heartbeat.
    public var runLease = 15.0
    /// Seconds of waiting worth one priority point (so nothing starves).
    public var priorityAging = 60.0
    /// Approximate length the events stream is trimmed to.
    public var eventsMaxlen = 100_000
    /// First retry delay, seconds.
    public var retryBase = 1.0
    /// Largest retry delay, seconds.
    public var retryMax = 60.0
    /// Jitter fraction of retry delays.
    public var retryJitter = 0.2
    /// Worker losses a task survives before it is dead-lettered as a poison task.
    public var maxLost = 5
    /// Seconds without a heartbeat after which a worker is dead.
    public var workerTTL = 10.0
    /// Tasks admitted per dispatch call.
    public var dispatchBatch = 256
    /// Ready candidates looked at per dispatch call.
    public var dispatchScan = 1024
    /// Seconds before a task's deadline from which it ranks as if it had waited since then
    /// (a task due in less than this overtakes tasks enqueued after deadline − lead).
    public var deadlineLead = 600.0
    /// Rate limit for types without their own.
    public var defaultRate = TypeLimits()
    /// Limits by task type.
    public var types: [String: TypeLimits] = [:]

    /// The defaults.
    public init() {}

    /// The flat field/value list stored in the `config` hash (times in ms).
    var fields: [(String, String)] {
        var f: [(String, String)] = [
            ("queue_depth", "\(queueDepth)"), ("dispatch_lease", ms(dispatchLease)), ("run_lease", ms(runLease)),
            ("priority_aging", "\(priorityAging)"), ("events_maxlen", "\(eventsMaxlen)"),
            ("retry_base", ms(retryBase)), ("retry_max", ms(retryMax)), ("retry_jitter", "\(retryJitter)"),
            ("max_lost", "\(maxLost)"), ("worker_ttl", ms(workerTTL)),
            ("dispatch_batch", "\(dispatchBatch)"), ("dispatch_scan", "\(dispatchScan)"),
            ("deadline_lead", "\(deadlineLead)"),
            ("rate:*", "\(defaultRate.ratePerSecond)"), ("burst:*", "\(defaultRate.burst)"),
        ]
        for (name, l) in types.sorted(by: { $0.key < $1.key }) {
            f += [("max:" + name, "\(l.maxConcurrent)"), ("rate:" + name, "\(l.ratePerSecond)"), ("burst:" + name, "\(l.burst)")]
        }
        return f
    }

    private func ms(_ seconds: Double) -> String { String(Int((seconds * 1000).rounded())) }
}
