
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
        guard let fields = reader.mapping(node, path: path, allowed: ["agent", "timeout"]) else { return }
        for entry in fields.entries {
            let key = "\(path).\(entry.key)"
            switch entry.key {
            case "agent": agent = reader.requiredString(entry.value, path: key) ?? agent
            case "timeout": timeout = reader.double(entry.value, path: key, positive: true) ?? timeout
            default: break
            }
        }
    }
}

extension BudgetsConfig {
    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        guard let fields = reader.mapping(node, path: path, allowed: ["default_feature_budget"]) else { return }
        for entry in fields.entries where entry.key == "default_feature_budget" {
            defaultFeatureBudget = reader.int(entry.value, path: "\(path).\(entry.key)", in: 0...Int.max) ?? defaultFeatureBudget
        }
    }
}
