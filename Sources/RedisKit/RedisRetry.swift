import Foundation

/// Runs `body` until it succeeds, retrying connection errors with capped exponential backoff
/// until `deadline` seconds have passed. Other errors (server errors, bad replies) are thrown at
/// once: retrying them would not help. `onRetry` is told each failure and the delay before the
/// next try, so a CLI can say "Redis at X is down, retrying in 0.4 s".
public func withRedisRetry<T>(
    deadline: Double,
    backoff: Backoff = Backoff(base: 0.1, max: 2),
    onRetry: (RedisError, Double) -> Void = { _, _ in },
    _ body: () throws(RedisError) -> T
) throws(RedisError) -> T {
    let start = Monotonic.now()
    var attempt = 0
    while true {
        do {
            return try body()
        } catch where error.isConnectionError {
            attempt += 1
            let delay = backoff.delay(attempt: attempt)
            if Monotonic.now() - start + delay > deadline { throw error }
            onRetry(error, delay)
            sleepSeconds(delay)
        }
    }
}

/// Sleeps the calling thread (never call from Swift's cooperative pool).
public func sleepSeconds(_ seconds: Double) {
    guard seconds > 0 else { return }
    var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var rest = timespec()
    while nanosleep(&ts, &rest) == -1 && errno == EINTR { ts = rest }
}
