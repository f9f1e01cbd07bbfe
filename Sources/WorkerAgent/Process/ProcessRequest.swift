/// Resource limits applied to a child process (and inherited by its children).
public struct ProcessLimits: Sendable, Equatable {
    /// Address-space limit (`RLIMIT_AS`) in bytes; `nil` for none.
    public var memoryBytes: UInt64?
    /// CPU-time limit (`RLIMIT_CPU`) in seconds; the process gets `SIGXCPU`, then `SIGKILL` a
    /// second later. `nil` for none.
    public var cpuSeconds: UInt64?

    /// Creates limits; `nil` means unlimited.
    public init(memoryBytes: UInt64? = nil, cpuSeconds: UInt64? = nil) {
        self.memoryBytes = memoryBytes
        self.cpuSeconds = cpuSeconds
    }

    /// No limits.
    public static let none = ProcessLimits()

    var isEmpty: Bool { memoryBytes == nil && cpuSeconds == nil }
}

/// What to run and how.
public struct ProcessRequest: Sendable, Equatable {
    /// Program and arguments. A program name without `/` is looked up on the `PATH` of
    /// ``environment``. No shell is involved unless you pass `["/bin/sh", "-c", command]`.
    public var argv: [String]
    /// The complete environment of the child; nothing is inherited.
    public var environment: [String: String]
    /// Directory the child starts in; `nil` for the worker's own.
    public var workingDirectory: String?
    /// Seconds before the process group gets `SIGTERM`; `nil` for no timeout.
    public var timeout: Double?
    /// Seconds between `SIGTERM` and `SIGKILL` after a timeout or a cancellation.
    public var killGracePeriod: Double
    /// rlimits for the child.
    public var limits: ProcessLimits
    /// Captured output is cut to its last `maxOutputBytes` bytes.
    public var maxOutputBytes: Int

    /// Creates a request.
    public init(
        argv: [String],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        timeout: Double? = nil,
        killGracePeriod: Double = 5,
        limits: ProcessLimits = .none,
        maxOutputBytes: Int = 1 << 20
    ) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.killGracePeriod = killGracePeriod
        self.limits = limits
        self.maxOutputBytes = maxOutputBytes
    }
}
