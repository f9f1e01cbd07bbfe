import Logging
import SwarmSupport

/// One long-running loop's trouble reaching Redis: the capped backoff before its next try, and
/// the lines a person reads — one when Redis stops answering, a reminder every `reportEvery`
/// seconds while it stays away (not one per retry), and one when it answers again.
///
/// Loops that must never give up (workers, the scheduler loop, the ledger writer) keep one of
/// these: call `failed` in their error path, sleep the delay it returns, and call `succeeded`
/// after each call that worked.
public struct RedisOutage: Sendable {
    /// Delays between tries.
    public let backoff: Backoff
    /// Seconds between reminders while Redis stays away.
    public let reportEvery: Double
    /// Failures since the last success.
    public private(set) var failures = 0
    private var since = 0.0
    private var lastReport = 0.0

    /// Creates a tracker; the defaults suit a local Redis being restarted.
    public init(backoff: Backoff = Backoff(base: 0.05, max: 2), reportEvery: Double = 10) {
        self.backoff = backoff
        self.reportEvery = reportEvery
    }

    /// True while the last call failed.
    public var isDown: Bool { failures > 0 }

    /// Records a failure of `who` (e.g. "worker host-w1") talking to Redis at `address`; returns
    /// the delay before the next try and, when it is time to tell people, the line to log.
    public mutating func failed(_ error: any Error, who: String, address: String) -> (delay: Double, message: String?) {
        let now = Monotonic.now()
        failures += 1
        if failures == 1 { since = now }
        let delay = backoff.delay(attempt: failures)
        var text = "\(error)"
        while text.hasSuffix(".") { text.removeLast() }
        let retry = "retrying in \(Self.seconds(delay)) s"
        if failures == 1 {
            lastReport = now
            return (delay, "\(who): Redis at \(address) failed: \(text); \(retry)")
        }
        if now - lastReport >= reportEvery {
            lastReport = now
            return (delay, "\(who): Redis at \(address) still failing after \(Self.seconds(now - since)) s "
                           + "(\(failures) tries; last: \(text)); \(retry), and will keep trying")
        }
        return (delay, nil)
    }

    /// Records a call that worked; after an outage returns the line saying Redis is back.
    public mutating func succeeded(who: String, address: String) -> String? {
        guard failures > 0 else { return nil }
        let line = "\(who): Redis at \(address) answers again after \(Self.seconds(Monotonic.now() - since)) s; carrying on"
        failures = 0
        return line
    }

    /// ``failed(_:who:address:)``, logging its line (a warning) when there is one; returns the
    /// delay before the next try.
    public mutating func failed(_ error: any Error, who: String, address: String, logger: Logger) -> Double {
        let (delay, line) = failed(error, who: who, address: address)
        if let line { logger.warning("\(line)") }
        return delay
    }

    /// ``succeeded(who:address:)``, logging the line saying Redis is back.
    public mutating func succeeded(who: String, address: String, logger: Logger) {
        if let line = succeeded(who: who, address: address) { logger.info("\(line)") }
    }

    static func seconds(_ s: Double) -> String {
        s < 10 ? String(Double(Int(s * 100)) / 100) : String(Int(s))
    }
}
