import Foundation

/// A small pool of connections for threads that each need their own.
///
/// `Sendable` by hand (`@unchecked`): the compiler's region checker cannot follow a connection
/// that leaves a borrower and is later lent to another thread. The pool guarantees what it
/// cannot see: the idle list is only touched under `lock`, and a connection is lent to exactly one
/// caller at a time for the duration of `withConnection`, so no hiredis context is ever used by
/// two threads at once.
public final class RedisPool: @unchecked Sendable {
    /// Where the pooled connections go.
    public let url: RedisURL
    /// Options of every pooled connection.
    public let options: RedisOptions
    /// Idle connections kept at most; more are closed when returned.
    public let maxIdle: Int
    private let lock = NSLock()
    private var idle: [RedisConnection] = []

    /// Creates an empty pool; connections are made on demand.
    public init(url: RedisURL, options: RedisOptions = RedisOptions(), maxIdle: Int = 8) {
        self.url = url
        self.options = options
        self.maxIdle = maxIdle
    }

    /// Lends a connection to `body`, making one if none is idle, and takes it back afterwards.
    /// A connection whose link broke during `body` is still returned: it reconnects on next use.
    public func withConnection<T>(_ body: (RedisConnection) throws -> T) throws -> T {
        let connection: RedisConnection
        if let reused = lock.withLock({ idle.popLast() }) {
            connection = reused
        } else {
            connection = try RedisConnection(url: url, options: options)
        }
        defer {
            lock.withLock {
                if idle.count < maxIdle { idle.append(connection) }
            }
        }
        return try body(connection)
    }

    /// Number of idle connections (for tests).
    public var idleCount: Int { lock.withLock { idle.count } }
}
