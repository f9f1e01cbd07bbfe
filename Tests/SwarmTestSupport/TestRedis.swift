import Foundation
import RedisKit

/// The test suite's real Redis: one private `redis-server` per test process, started on first
/// use on a free port and a unix socket in a temporary folder, stopped when the process exits.
public enum TestRedis {
    /// The shared server (started lazily by `start()`).
    public static let server = RedisServerProcess.temporary(tcp: true)

    /// Starts the shared server if needed and returns its unix-socket URL.
    @discardableResult
    public static func start() -> RedisURL {
        if server.pid == nil {
            do {
                try server.start()
            } catch {
                fatalError("cannot start the test redis-server: \(error)")
            }
            atexit { TestRedis.server.destroy() }
        }
        return server.url
    }

    /// A connection to the shared server after wiping all its data and functions, so each test
    /// starts from an empty Redis.
    public static func fresh(options: RedisOptions = RedisOptions()) throws -> RedisConnection {
        let url = start()
        let conn = try RedisConnection(url: url, options: options)
        try conn.send("FLUSHALL")
        try conn.send("FUNCTION", "FLUSH")
        return conn
    }
}

/// A small, fast, seedable random generator (SplitMix64) so fault and property tests repeat
/// exactly for a given seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
