import RedisKit
import Scheduler

/// How a part of the worker reaches Redis: each part opens a connection of its own, so a
/// heartbeat never waits behind a claim blocked in `BLMPOP`.
struct WorkerConnection: Sendable {
    var url: RedisURL
    var options: RedisOptions
    var namespace: String

    /// A new client on a new connection.
    func open() throws -> SchedulerClient {
        try SchedulerClient(redis: RedisConnection(url: url, options: options), namespace: namespace)
    }
}
