import Foundation
import Planner
import RedisKit
import SwarmSupport

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

/// The seedable generator of fault and property tests: the Planner's SplitMix64, so a seed means
/// the same sequence in every test target and in the synthetic plans.
public typealias SeededRandom = SplitMix64
