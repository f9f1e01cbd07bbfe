
/// Defaults and limits of one task type (`task_types.<name>:` in config.yaml). A type not listed
/// in ``SwarmConfig/defaultTaskTypes`` gets the defaults below (`TaskTypeConfig()`, the
/// memberwise initializer with every argument left out).
public struct TaskTypeConfig: Sendable, Equatable {
    /// Token budget of a task of this type that does not set `budget`.
    public var defaultBudget: Int = 50_000
    /// Expected run time in seconds (used for the critical path).
    public var estimatedSeconds: Double = 60
    /// Most tasks of this type running at once; 0 = unlimited.
    public var maxConcurrent: Int = 0
    /// Seconds before a running task of this type is stopped.
    public var timeout: Double = 1800
    /// Retries after a failure.
    public var retries: Int = 2
    /// Whether a failed acceptance test is retried (otherwise the task goes to a human).
    public var retryOnAcceptanceFailure: Bool = false
}

extension TaskTypeConfig {
    static var settings: [ConfigSetting<Self>] {
        [.int("default_budget", \.defaultBudget, in: 0...Int.max), .number("estimated_seconds", \.estimatedSeconds),
         .int("max_concurrent", \.maxConcurrent, in: 0...Int.max), .positive("timeout", \.timeout),
         .int("retries", \.retries, in: 0...Int.max), .bool("retry_on_acceptance_failure", \.retryOnAcceptanceFailure)]
    }

    /// Every key of a type.
    static var keys: [String] { settings.map(\.key) }

    /// Reads a type, starting from `base` for keys the file leaves out.
    init(node: SourceNode, path: String, base: TaskTypeConfig, reader: inout NodeReader) {
        self = base
        reader.read(node, path: path, into: &self, Self.settings)
    }
}
