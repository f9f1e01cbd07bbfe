#if canImport(Glibc)
import Glibc
#endif

/// Capped exponential backoff with optional jitter: `base × 2^(attempt-1)`, at most `max`.
public struct Backoff: Sendable, Equatable {
    /// Delay before the first retry, in seconds.
    public var base: Double
    /// Upper bound of any delay, in seconds.
    public var max: Double
    /// Fraction of the delay randomised (0 = none, 0.2 = ±20 %).
    public var jitter: Double

    /// Creates a backoff policy.
    public init(base: Double, max: Double, jitter: Double = 0) {
        self.base = base
        self.max = max
        self.jitter = jitter
    }

    /// The delay before retry number `attempt` (1-based). `unit` in 0..<1 picks the jitter.
    public func delay(attempt: Int, unit: Double = 0.5) -> Double {
        let exp = Swift.min(Double(Swift.max(attempt - 1, 0)), 40)
        let raw = Swift.min(base * pow(2, exp), max)
        return Swift.max(0, raw * (1 + jitter * (2 * unit - 1)))
    }
}
