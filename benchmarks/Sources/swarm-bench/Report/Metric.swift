/// A DESIGN.md performance target a figure is held to.
struct Target: Codable, Sendable {
    /// Direction of the bound.
    enum Bound: String, Codable, Sendable {
        /// The median must be at least `value`.
        case atLeast
        /// The median must be at most `value`.
        case atMost
    }
    /// Direction.
    var bound: Bound
    /// The limit, in the metric's unit.
    var value: Double

    /// `≥ value` or `≤ value`.
    static func atLeast(_ v: Double) -> Target { Target(bound: .atLeast, value: v) }
    /// `≤ value`.
    static func atMost(_ v: Double) -> Target { Target(bound: .atMost, value: v) }

    /// Whether `x` meets the target.
    func met(by x: Double) -> Bool { bound == .atLeast ? x >= value : x <= value }
}

/// One reported figure: median, min and max over runs, and its target if it has one.
struct Metric: Codable, Sendable {
    /// What is measured, e.g. `end-to-end rate, 4 workers`.
    var name: String
    /// Unit, e.g. `tasks/s`, `ms`, `MB`.
    var unit: String
    /// The runs' values.
    var sample: Sample
    /// The DESIGN.md target, if any.
    var target: Target?
    /// Median, for JSON readers.
    var median: Double
    /// Min, for JSON readers.
    var min: Double
    /// Max, for JSON readers.
    var max: Double
    /// Whether the median meets the target (nil without a target).
    var met: Bool?

    /// A metric from its runs.
    init(_ name: String, _ unit: String, _ sample: Sample, target: Target? = nil) {
        self.name = name
        self.unit = unit
        self.sample = sample
        self.target = target
        median = sample.median
        min = sample.min
        max = sample.max
        met = target.map { $0.met(by: sample.median) }
    }

    /// A figure measured once (or a count that does not vary).
    init(_ name: String, _ unit: String, single value: Double, target: Target? = nil) {
        self.init(name, unit, Sample(values: [value]), target: target)
    }
}

/// What one scenario produced.
struct ScenarioResult: Codable, Sendable {
    /// Scenario name (`throughput`, `latency`, ...).
    var name: String
    /// What was run, in one line (sizes, workers, runs).
    var setup: String
    /// Figures.
    var metrics: [Metric] = []
    /// Checks and remarks (invariants, cross-checks, skipped parts).
    var notes: [String] = []
    /// Set when the scenario failed; figures may be partial.
    var error: String?
    /// Wall time of the whole scenario, seconds.
    var seconds: Double = 0

    /// An empty result for scenario `name`.
    init(name: String, setup: String) {
        self.name = name
        self.setup = setup
    }
}
