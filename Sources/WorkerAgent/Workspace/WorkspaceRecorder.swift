import Foundation
import Logging
import RedisKit
import Scheduler

/// Writes workspace records to the namespace's `workspaces` hash over a connection of its own
/// (the worker's claim connection may be blocked in `BLMPOP`). Best effort: a record that could
/// not be written stays in its marker file and the next sweep writes it again.
public final class WorkspaceRecorder: @unchecked Sendable {
    private let url: RedisURL
    private let options: RedisOptions
    private let namespace: String
    private let logger: Logger
    // @unchecked: `client` is only touched with `lock` held.
    private let lock = NSLock()
    private var client: SchedulerClient?

    /// A recorder for namespace `namespace` at `url`.
    public init(url: RedisURL, options: RedisOptions = RedisOptions(), namespace: String,
                logger: Logger = Logger(label: "swarm.workspaces")) {
        self.url = url
        self.options = options
        self.namespace = namespace
        self.logger = logger
    }

    /// Runs `body` with a connected client; nil (and the link dropped) when Redis fails.
    public func withClient<T>(_ body: (SchedulerClient) throws(SchedulerError) -> T) -> T? {
        lock.lock()
        defer { lock.unlock() }
        do {
            if client == nil { client = try SchedulerClient(redis: RedisConnection(url: url, options: options), namespace: namespace) }
            guard let live = client else { return nil }
            return try body(live)
        } catch {
            logger.warning("workspace records: \(error); they are written again on the next sweep")
            client = nil
            return nil
        }
    }

    /// Writes a record.
    public func publish(_ record: WorkspaceRecord) {
        _ = withClient { (c) throws(SchedulerError) in try c.recordWorkspace(record) }
    }

    /// Forgets a record.
    public func forget(id: String) {
        _ = withClient { (c) throws(SchedulerError) in try c.forgetWorkspace(id: id) }
    }
}
