/// A validated feature plan: the feature, its analysis and the warnings found while checking it.
public struct Plan: Sendable, Equatable {
    /// The feature with every default filled in.
    public var feature: Feature
    /// Order, layers, critical path and token totals.
    public var analysis: PlanAnalysis
    /// Problems that do not stop the plan (errors under `strict`), such as tasks that may run at
    /// the same time with overlapping artifacts.
    public var warnings: [PlanProblem]

    /// Creates a plan.
    public init(feature: Feature, analysis: PlanAnalysis, warnings: [PlanProblem]) {
        self.feature = feature
        self.analysis = analysis
        self.warnings = warnings
    }
}

/// The shape of a plan's dependency graph.
public struct PlanAnalysis: Sendable, Equatable {
    /// Task ids in an order that respects every dependency (file order among ready tasks).
    public var order: [String]
    /// Task ids by layer: layer 0 has no dependencies; a task's layer is the length of the
    /// longest dependency chain leading to it, so it is as early as possible.
    public var layers: [[String]]
    /// Task ids of the longest chain by estimated duration, first to last.
    public var criticalPath: [String]
    /// Estimated seconds of the critical path (per-type `estimated_seconds`).
    public var criticalPathSeconds: Double
    /// Sum of the tasks' token budgets.
    public var totalTokens: Int
    /// The feature's token budget.
    public var budget: Int

    /// Largest number of tasks in one layer (the most that can run at once layer by layer).
    public var maxWidth: Int { layers.map(\.count).max() ?? 0 }

    /// Creates an analysis.
    public init(order: [String], layers: [[String]], criticalPath: [String], criticalPathSeconds: Double,
                totalTokens: Int, budget: Int) {
        self.order = order
        self.layers = layers
        self.criticalPath = criticalPath
        self.criticalPathSeconds = criticalPathSeconds
        self.totalTokens = totalTokens
        self.budget = budget
    }
}
