/// A worker's identity and what it can run, as registered.
public struct WorkerRegistration: Sendable, Equatable {
    /// Unique id (host, pid and a random suffix).
    public var id: String
    /// Host name.
    public var host: String
    /// Process id.
    public var pid: Int
    /// Capabilities (detected and configured).
    public var capabilities: [String]
    /// Route queues it serves.
    public var routes: [String]
    /// Agents it can run.
    public var agents: [String]

    /// Creates a registration.
    public init(id: String, host: String, pid: Int, capabilities: [String], routes: [String], agents: [String]) {
        self.id = id
        self.host = host
        self.pid = pid
        self.capabilities = capabilities
        self.routes = routes
        self.agents = agents
    }
}

/// Host load reported with each heartbeat.
public struct LoadReport: Sendable, Equatable {
    /// Composite score in 0...1 (weights from config).
    public var score: Double
    /// CPU use in percent.
    public var cpuPercent: Double
    /// Memory use in percent.
    public var memoryPercent: Double
    /// One-minute load average per core.
    public var loadPerCore: Double
    /// True while the host is above its limits (the worker stops claiming).
    public var overloaded: Bool

    /// Creates a report.
    public init(score: Double = 0, cpuPercent: Double = 0, memoryPercent: Double = 0, loadPerCore: Double = 0, overloaded: Bool = false) {
        self.score = score
        self.cpuPercent = cpuPercent
        self.memoryPercent = memoryPercent
        self.loadPerCore = loadPerCore
        self.overloaded = overloaded
    }
}
