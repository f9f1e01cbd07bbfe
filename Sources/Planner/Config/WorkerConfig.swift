
/// Worker process settings (`worker:` in config.yaml). Durations are seconds.
public struct WorkerConfig: Sendable, Equatable {
    /// How much each load signal counts towards a host's load score (each 0...1).
    public struct LoadWeights: Sendable, Equatable {
        /// Weight of CPU usage.
        public var cpu: Double = 0.4
        /// Weight of memory usage.
        public var memory: Double = 0.3
        /// Weight of the load average (per core).
        public var load: Double = 0.3

        /// The defaults.
        public init() {}
    }

    /// Interval between heartbeats; must be well below `orchestrator.run_lease`.
    public var heartbeatInterval: Double = 2.0
    /// Exit after this long without work; 0 = never.
    public var idleTimeout: Double = 0
    /// Stop claiming while host CPU usage is above this percentage.
    public var maxCPUPercent: Double = 95
    /// Stop claiming while host memory usage is above this percentage.
    public var maxMemoryPercent: Double = 95
    /// Weights of the load score.
    public var loadWeights = LoadWeights()
    /// Time between SIGTERM and SIGKILL when a task is stopped.
    public var killGrace: Double = 5.0
    /// Most bytes of a task's output kept (the rest is truncated).
    public var maxOutputBytes: Int = 1_048_576
    /// Address-space limit of a task in MiB; 0 = none.
    public var rlimitMemoryMB: Int = 0
    /// CPU-time limit of a task in seconds; 0 = none.
    public var rlimitCPUSeconds: Int = 0
    /// Capabilities this worker offers (matched against a task's `requires`).
    public var capabilities: [String] = []
    /// Directory holding the repository mirrors and per-attempt worktrees of this host;
    /// relative paths are resolved against the worker's working directory.
    public var workspaceRoot: String = ".swarm/workspaces"
    /// Most worktrees kept on this host; past it, worktrees of merged tasks are removed, oldest
    /// first (worktrees kept for a person are never removed automatically).
    public var maxWorkspaces: Int = 100

    /// The defaults.
    public init() {}
}

extension WorkerConfig {
    static var settings: [ConfigSetting<Self>] {
        [.positive("heartbeat_interval", \.heartbeatInterval), .number("idle_timeout", \.idleTimeout),
         .number("max_cpu_percent", \.maxCPUPercent, in: 1...100), .number("max_memory_percent", \.maxMemoryPercent, in: 1...100),
         .custom("load_weights") { config, reader, node, path in config.loadWeights = LoadWeights(node: node, path: path, reader: &reader) },
         .number("kill_grace", \.killGrace), .int("max_output_bytes", \.maxOutputBytes, in: 1...Int.max),
         .int("rlimit_memory_mb", \.rlimitMemoryMB, in: 0...Int.max), .int("rlimit_cpu_seconds", \.rlimitCPUSeconds, in: 0...Int.max),
         .strings("capabilities", \.capabilities), .nonEmpty("workspace_root", \.workspaceRoot),
         .int("max_workspaces", \.maxWorkspaces, in: 1...1_000_000)]
    }

    /// Every key of the section.
    static var keys: [String] { settings.map(\.key) }

    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        reader.read(node, path: path, into: &self, Self.settings)
    }
}

extension WorkerConfig.LoadWeights {
    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        guard reader.read(node, path: path, into: &self, [.number("cpu", \.cpu, in: 0...1), .number("memory", \.memory, in: 0...1),
                                                          .number("load", \.load, in: 0...1)]) != nil else { return }
        if cpu + memory + load <= 0 {
            reader.report("all weights are 0; give at least one a positive weight", path: path, at: node)
        }
    }
}
