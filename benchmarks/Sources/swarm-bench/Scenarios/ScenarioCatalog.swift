/// Every scenario, in the order `all` runs them.
enum ScenarioCatalog {
    /// All scenarios but the peer (which runs with `--peers`, or by name).
    static let all: [any Scenario] = [
        ThroughputScenario(), LatencyScenario(), DagScenario(), ContentionScenario(), PlannerScenario(),
        RecoveryScenario(), FootprintScenario(), ScalingScenario(), WorkspaceScenario(),
    ]

    /// Names accepted on the command line.
    static var names: [String] { all.map(\.name) + ["peer"] }
}
