
/// Defaults and limits of one task type (`task_types.<name>:` in config.yaml).
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

    /// The defaults of a type not listed in ``SwarmConfig/defaultTaskTypes``.
    public init() {}

    /// A type with the given settings.
    public init(defaultBudget: Int, estimatedSeconds: Double, maxConcurrent: Int = 0, timeout: Double,
                retries: Int, retryOnAcceptanceFailure: Bool = false) {
        self.defaultBudget = defaultBudget
        self.estimatedSeconds = estimatedSeconds
        self.maxConcurrent = maxConcurrent
        self.timeout = timeout
        self.retries = retries
        self.retryOnAcceptanceFailure = retryOnAcceptanceFailure
    }
}

extension TaskTypeConfig {
    static let keys = ["default_budget", "estimated_seconds", "max_concurrent", "timeout", "retries",
                       "retry_on_acceptance_failure"]

    /// Reads a type, starting from `base` for keys the file leaves out.
    init(node: SourceNode, path: String, base: TaskTypeConfig, reader: inout NodeReader) {
        self = base
        guard let fields = reader.mapping(node, path: path, allowed: Self.keys) else { return }
        for entry in fields.entries {
            let key = "\(path).\(entry.key)", value = entry.value
            switch entry.key {
            case "default_budget": defaultBudget = reader.int(value, path: key, in: 0...Int.max) ?? defaultBudget
            case "estimated_seconds": estimatedSeconds = reader.double(value, path: key, in: 0...Double.greatestFiniteMagnitude) ?? estimatedSeconds
            case "max_concurrent": maxConcurrent = reader.int(value, path: key, in: 0...Int.max) ?? maxConcurrent
            case "timeout": timeout = reader.double(value, path: key, positive: true) ?? timeout
            case "retries": retries = reader.int(value, path: key, in: 0...Int.max) ?? retries
            case "retry_on_acceptance_failure": retryOnAcceptanceFailure = reader.bool(value, path: key) ?? retryOnAcceptanceFailure
            default: break
            }
        }
    }
}
