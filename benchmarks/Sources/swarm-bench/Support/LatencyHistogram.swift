import Histogram

/// Latencies in microseconds, recorded with HdrHistogram (3 significant digits).
struct LatencyHistogram {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)

    /// Records one latency given in seconds (negative values count as 0).
    mutating func record(seconds: Double) {
        _ = histogram.record(UInt64(Swift.max(0, (seconds * 1_000_000).rounded())))
    }

    /// Records one latency given in whole milliseconds.
    mutating func record(milliseconds: Int) {
        _ = histogram.record(UInt64(Swift.max(0, milliseconds)) * 1000)
    }

    /// Values recorded.
    var count: Int { Int(histogram.totalCount) }

    /// The latency at `percentile` (0...100), in milliseconds.
    func ms(_ percentile: Double) -> Double {
        Double(histogram.valueAtPercentile(percentile)) / 1000
    }
}
