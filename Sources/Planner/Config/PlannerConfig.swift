
/// How `plan --feature` asks an agent to decompose a feature (`planner:` in config.yaml).
public struct PlannerConfig: Sendable, Equatable {
    /// Name of the agent (a key of `agents`) that writes plans.
    public var agent: String = "claude"
    /// Seconds the planning agent may run before it is killed.
    public var timeout: Double = 120.0

    /// The defaults.
    public init() {}
}

/// Feature budgets (`budgets:` in config.yaml).
public struct BudgetsConfig: Sendable, Equatable {
    /// Token budget of a feature whose plan does not set `budget`.
    public var defaultFeatureBudget: Int = 1_000_000

    /// The defaults.
    public init() {}
}

extension PlannerConfig {
    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        reader.read(node, path: path, into: &self, [.nonEmpty("agent", \.agent), .positive("timeout", \.timeout)])
    }
}

extension BudgetsConfig {
    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        reader.read(node, path: path, into: &self, [.int("default_feature_budget", \.defaultFeatureBudget, in: 0...Int.max)])
    }
}
