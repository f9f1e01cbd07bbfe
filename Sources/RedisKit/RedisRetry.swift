import SwarmSupport

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
