/// Repeated measurements of one figure: the report shows the median with min and max.
struct Sample: Codable, Sendable {
    /// Every run's value, in run order.
    var values: [Double] = []

    /// Adds one run's value.
    mutating func add(_ v: Double) { values.append(v) }

    /// The median (mean of the middle two for an even count); NaN when empty.
    var median: Double {
        let s = values.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    /// Smallest value.
    var min: Double { values.min() ?? .nan }
    /// Largest value.
    var max: Double { values.max() ?? .nan }
}
