import Foundation
import Logging
import RedisKit
import SwarmSupport
import Synchronization

/// Projects the events stream into the ledger through the consumer group `ledger`: read (own
/// pending entries first, then new ones), write to SQLite in one transaction, and only then
/// `XACK`. A crash between the two replays the entries, which the ledger skips: at-least-once
/// delivery, exactly-once effect. Runs on its own thread (it blocks). Redis going away never
/// stops it: it retries with capped backoff and says when Redis fails and when it is back.
public final class LedgerWriter: Sendable {
    private let url: RedisURL
    private let namespace: String
    private let path: String
    private let consumer: String
    private let stopFlag = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)
    private let logger: Logger

    /// The consumer group name.
    public static let group = "ledger"

    /// Creates a writer for the ledger file at `path`.
    public init(url: RedisURL, namespace: String, path: String, consumer: String = "ledger-\(ProcessInfo.processInfo.hostName)",
                logger: Logger = Logger(label: "swarm.ledger")) {
        self.url = url
        self.namespace = namespace
        self.path = path
        self.consumer = consumer
        self.logger = logger
    }

    /// Drains everything currently in the stream into the ledger (used by CLI commands so the
    /// history they print is complete even with no orchestrator running). Returns events written.
    @discardableResult
    public static func catchUp(url: RedisURL, namespace: String, ledger: Ledger, consumer: String = "cli") throws -> Int {
        let reader = EventReader(redis: try RedisConnection(url: url), namespace: namespace)
        try reader.ensureGroup(group)
        var total = 0
        while true {
            let batch = try reader.readGroup(group, consumer: consumer, count: 1000, blockSeconds: 0.001)
            if batch.isEmpty { return total }
            total += try ledger.record(batch)
            try reader.ack(group, ids: batch.map(\.id))
        }
    }

    /// Starts the writer thread.
    public func start() {
        let t = Thread { [self] in run() }
        t.name = "swarm-ledger"
        t.start()
    }

    /// Stops after the current batch and waits for it.
    public func stop() {
        stopFlag.withLock { $0 = true }
        finished.wait()
    }

    private func run() {
        defer { finished.signal() }
        var outage = RedisOutage(backoff: Backoff(base: 0.05, max: 2))
        var ledger: Ledger?
        var reader: EventReader?
        while !stopFlag.withLock({ $0 }) {
            do {
                if ledger == nil { ledger = try Ledger(path: path) }
                if reader == nil {
                    reader = EventReader(redis: try RedisConnection(url: url), namespace: namespace)
                    try reader?.ensureGroup(LedgerWriter.group)
                }
                guard let l = ledger, let r = reader else { continue }
                let batch = try r.readGroup(LedgerWriter.group, consumer: consumer, count: 500, blockSeconds: 0.5)
                outage.succeeded(who: "ledger writer", address: url.address, logger: logger)
                if batch.isEmpty { continue }
                try l.record(batch)
                try r.ack(LedgerWriter.group, ids: batch.map(\.id))
            } catch {
                let delay: Double
                if error is RedisError {
                    let d = outage.failed(error, who: "ledger writer", address: url.address, logger: logger)
                    delay = d
                } else {
                    // The ledger file itself (disk full, locked): the stream keeps the events meanwhile.
                    delay = 1
                    logger.warning("ledger writer: \(error); the events wait in Redis; retrying in 1 s")
                    ledger = nil
                }
                reader = nil
                let until = Monotonic.now() + delay
                while !stopFlag.withLock({ $0 }) && Monotonic.now() < until { sleepSeconds(min(0.05, until - Monotonic.now())) }
            }
        }
    }
}
