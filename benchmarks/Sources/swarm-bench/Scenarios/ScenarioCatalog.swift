/// Every scenario, in the order `all` runs them.
enum ScenarioCatalog {
    /// All scenarios (the peer one runs only with `--peers` or by name).
    static let all: [any Scenario] = [
        ThroughputScenario(),
    ]

    /// Names accepted on the command line.
    static var names: [String] { all.map(\.name) + ["peer"] }
}
