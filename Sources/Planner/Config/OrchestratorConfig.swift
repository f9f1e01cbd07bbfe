import Foundation

/// Scheduler and supervisor settings (`orchestrator:` in config.yaml). Durations are seconds.
public struct OrchestratorConfig: Sendable, Equatable {
    /// Most ready tasks admitted per dispatch call.
    public var dispatchBatch: Int = 256
    /// Most tasks queued (dispatched, not yet claimed) per route.
    public var queueDepth: Int = 32
    /// Time a worker has to start a dispatched task before it is requeued.
    public var dispatchLease: Double = 10.0
    /// Time a running task survives without a heartbeat before it is retried.
    public var runLease: Double = 15.0
    /// Seconds of waiting worth one priority point (prevents starvation).
    public var priorityAging: Double = 60.0
    /// Seconds before its deadline from which a task ranks as if it had waited since then.
    public var deadlineLead: Double = 600.0
    /// Approximate maximum length of the events stream.
    public var eventsMaxlen: Int = 100_000
    /// First retry delay; doubles each attempt.
    public var retryBase: Double = 1.0
    /// Longest retry delay.
    public var retryMax: Double = 60.0
    /// Random spread of retry delays, as a fraction (0...1).
    public var retryJitter: Double = 0.2
    /// Longest sleep of the scheduler loop.
    public var tick: Double = 1.0
    /// First delay before respawning a dead worker; doubles each time.
    public var respawnBackoffBase: Double = 0.2
    /// Longest respawn delay.
    public var respawnBackoffMax: Double = 10.0
    /// Window in which repeated worker crashes count as a crash loop.
    public var crashLoopWindow: Double = 30.0
    /// Crashes within the window that make a crash loop.
    public var crashLoopThreshold: Int = 5
    /// SQLite ledger file (relative to the working directory).
    public var ledgerPath: String = ".swarm/ledger.sqlite"
    /// Directory for local state (embedded redis data, pid files).
    public var stateDir: String = ".swarm"
    /// Most worker processes one `up` runs, whatever `--workers`, `--scale` or the control hash
    /// ask for. The default, 4 × the cores, leaves room for workers that mostly wait on an agent's
    /// API while keeping a typo (`desired_workers 100000`) from exhausting the host's processes
    /// and memory.
    public var maxWorkers: Int = OrchestratorConfig.defaultMaxWorkers

    /// 4 × the cores this host has.
    public static var defaultMaxWorkers: Int { 4 * max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// The defaults.
    public init() {}
}

extension OrchestratorConfig {
    static var settings: [ConfigSetting<Self>] {
        [.int("dispatch_batch", \.dispatchBatch, in: 1...Int.max), .int("queue_depth", \.queueDepth, in: 1...Int.max),
         .positive("dispatch_lease", \.dispatchLease), .positive("run_lease", \.runLease),
         .positive("priority_aging", \.priorityAging), .number("deadline_lead", \.deadlineLead, in: 0...2_592_000),
         .int("events_maxlen", \.eventsMaxlen, in: 1...Int.max), .number("retry_base", \.retryBase),
         .number("retry_max", \.retryMax), .number("retry_jitter", \.retryJitter, in: 0...1), .positive("tick", \.tick),
         .positive("respawn_backoff_base", \.respawnBackoffBase), .positive("respawn_backoff_max", \.respawnBackoffMax),
         .positive("crash_loop_window", \.crashLoopWindow), .int("crash_loop_threshold", \.crashLoopThreshold, in: 1...Int.max),
         .nonEmpty("ledger_path", \.ledgerPath), .nonEmpty("state_dir", \.stateDir),
         .int("max_workers", \.maxWorkers, in: 1...100_000)]
    }

    /// Every key of the section.
    static var keys: [String] { settings.map(\.key) }

    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        guard let fields = reader.read(node, path: path, into: &self, Self.settings) else { return }
        if retryMax < retryBase {
            reader.report("retry_max (\(retryMax.plain)) is smaller than retry_base (\(retryBase.plain)); raise retry_max",
                          path: "\(path).retry_max", at: fields["retry_max"] ?? fields.node)
        }
        if respawnBackoffMax < respawnBackoffBase {
            reader.report("respawn_backoff_max (\(respawnBackoffMax.plain)) is smaller than respawn_backoff_base (\(respawnBackoffBase.plain)); raise respawn_backoff_max",
                          path: "\(path).respawn_backoff_max", at: fields["respawn_backoff_max"] ?? fields.node)
        }
    }
}
