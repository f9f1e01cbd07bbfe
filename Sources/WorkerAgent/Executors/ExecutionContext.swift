/// Where and how a task runs.
public struct ExecutionContext: Sendable, Equatable {
    /// The task's working directory; `nil` for the worker's own.
    public var workingDirectory: String?
    /// The complete environment given to the process.
    public var environment: [String: String]
    /// Seconds before the task is killed; `nil` for none.
    public var timeout: Double?
    /// Seconds between `SIGTERM` and `SIGKILL`.
    public var killGracePeriod: Double
    /// rlimits for the task's processes.
    public var limits: ProcessLimits
    /// Captured output is cut to its last `maxOutputBytes` bytes.
    public var maxOutputBytes: Int

    /// Creates a context.
    public init(
        workingDirectory: String? = nil, environment: [String: String] = [:], timeout: Double? = nil,
        killGracePeriod: Double = 5, limits: ProcessLimits = .none, maxOutputBytes: Int = 1 << 20
    ) {
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.timeout = timeout
        self.killGracePeriod = killGracePeriod
        self.limits = limits
        self.maxOutputBytes = maxOutputBytes
    }

    /// The process request for `argv` in this context.
    func request(argv: [String], extraEnvironment: [String: String] = [:]) -> ProcessRequest {
        ProcessRequest(
            argv: argv, environment: environment.merging(extraEnvironment) { _, extra in extra },
            workingDirectory: workingDirectory, timeout: timeout, killGracePeriod: killGracePeriod,
            limits: limits, maxOutputBytes: maxOutputBytes)
    }
}
