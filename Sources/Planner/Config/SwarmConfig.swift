import Foundation

/// Every Swarm setting, as documented in `config.yaml`. `SwarmConfig()` holds the defaults.
///
/// Load a file with ``load(path:environment:)``; missing keys keep their defaults, and entries of
/// `task_types` and `agents` are merged over the built-in ones of the same name.
public struct SwarmConfig: Sendable, Equatable {
    /// Redis connection.
    public var redis = RedisConfig()
    /// Scheduler and supervisor.
    public var orchestrator = OrchestratorConfig()
    /// Worker processes.
    public var worker = WorkerConfig()
    /// Task types by name.
    public var taskTypes: [String: TaskTypeConfig] = SwarmConfig.defaultTaskTypes
    /// Feature budgets.
    public var budgets = BudgetsConfig()
    /// Rate limits of task starts.
    public var rateLimits = RateLimitsConfig()
    /// Secret redaction.
    public var security = SecurityConfig()
    /// Agent CLIs by name.
    public var agents: [String: AgentConfig] = SwarmConfig.defaultAgents
    /// The planning agent.
    public var planner = PlannerConfig()
    /// Known hosts and the capabilities each offers.
    public var machines: [String: [String]] = [:]

    /// The defaults.
    public init() {}

    /// The built-in task types.
    public static let defaultTaskTypes: [String: TaskTypeConfig] = [
        "backend": TaskTypeConfig(defaultBudget: 200_000, estimatedSeconds: 600, timeout: 1800, retries: 2),
        "frontend": TaskTypeConfig(defaultBudget: 150_000, estimatedSeconds: 600, timeout: 1800, retries: 2),
        "tests": TaskTypeConfig(defaultBudget: 100_000, estimatedSeconds: 300, timeout: 1200, retries: 2),
        "docs": TaskTypeConfig(defaultBudget: 50_000, estimatedSeconds: 180, timeout: 900, retries: 1),
        "script": TaskTypeConfig(defaultBudget: 0, estimatedSeconds: 30, timeout: 600, retries: 2),
        "noop": TaskTypeConfig(defaultBudget: 0, estimatedSeconds: 0, timeout: 60, retries: 0),
        "sleep": TaskTypeConfig(defaultBudget: 0, estimatedSeconds: 1, timeout: 3600, retries: 0),
    ]

    /// The built-in agents: `claude`, `gemini` and `codex`.
    public static let defaultAgents: [String: AgentConfig] = [
        "claude": AgentConfig(command: ["claude", "-p", "{prompt}", "--output-format", "json"],
                              usageJSONField: "usage.total_tokens"),
        "gemini": AgentConfig(command: ["gemini", "-p", "{prompt}", "--output-format", "json"],
                              usageJSONField: "stats.total_tokens"),
        "codex": AgentConfig(command: ["codex", "exec", "{prompt}"], usageJSONField: nil,
                             usagePattern: #"tokens used:?\s*([0-9]+)"#),
    ]
}
