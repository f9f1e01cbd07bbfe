
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
    static let keys = ["heartbeat_interval", "idle_timeout", "max_cpu_percent", "max_memory_percent",
                       "load_weights", "kill_grace", "max_output_bytes", "rlimit_memory_mb",
                       "rlimit_cpu_seconds", "capabilities", "workspace_root", "max_workspaces"]

    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        guard let fields = reader.mapping(node, path: path, allowed: Self.keys) else { return }
        for entry in fields.entries {
            let key = "\(path).\(entry.key)", value = entry.value
            switch entry.key {
            case "heartbeat_interval": heartbeatInterval = reader.double(value, path: key, positive: true) ?? heartbeatInterval
            case "idle_timeout": idleTimeout = reader.double(value, path: key, in: 0...Double.greatestFiniteMagnitude) ?? idleTimeout
            case "max_cpu_percent": maxCPUPercent = reader.double(value, path: key, in: 1...100) ?? maxCPUPercent
            case "max_memory_percent": maxMemoryPercent = reader.double(value, path: key, in: 1...100) ?? maxMemoryPercent
            case "load_weights": loadWeights = LoadWeights(node: value, path: key, reader: &reader)
            case "kill_grace": killGrace = reader.double(value, path: key, in: 0...Double.greatestFiniteMagnitude) ?? killGrace
            case "max_output_bytes": maxOutputBytes = reader.int(value, path: key, in: 1...Int.max) ?? maxOutputBytes
            case "rlimit_memory_mb": rlimitMemoryMB = reader.int(value, path: key, in: 0...Int.max) ?? rlimitMemoryMB
            case "rlimit_cpu_seconds": rlimitCPUSeconds = reader.int(value, path: key, in: 0...Int.max) ?? rlimitCPUSeconds
            case "capabilities": capabilities = reader.strings(value, path: key) ?? capabilities
            case "workspace_root": workspaceRoot = reader.requiredString(value, path: key) ?? workspaceRoot
            case "max_workspaces": maxWorkspaces = reader.int(value, path: key, in: 1...1_000_000) ?? maxWorkspaces
            default: break
            }
        }
    }
}

extension WorkerConfig.LoadWeights {
    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        guard let fields = reader.mapping(node, path: path, allowed: ["cpu", "memory", "load"]) else { return }
        for entry in fields.entries {
            let key = "\(path).\(entry.key)"
            switch entry.key {
            case "cpu": cpu = reader.double(entry.value, path: key, in: 0...1) ?? cpu
            case "memory": memory = reader.double(entry.value, path: key, in: 0...1) ?? memory
            case "load": load = reader.double(entry.value, path: key, in: 0...1) ?? load
            default: break
            }
        }
        if cpu + memory + load <= 0 {
            reader.report("all weights are 0; give at least one a positive weight", path: path, at: node)
        }
    }
}
