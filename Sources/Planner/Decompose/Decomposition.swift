/// The outcome of decomposing a feature description into a plan.
public struct Decomposition: Sendable, Equatable {
    /// The validated plan.
    public var plan: Plan
    /// True when the agent failed (not found, timed out, invalid output twice) and the plan
    /// came from ``TemplateDecomposer`` instead.
    public var fellBack: Bool
    /// What happened, in order, for the user: each agent attempt's problems and any fallback.
    public var notes: [String]

    /// Creates a decomposition.
    public init(plan: Plan, fellBack: Bool, notes: [String]) {
        self.plan = plan
        self.fellBack = fellBack
        self.notes = notes
    }
}
