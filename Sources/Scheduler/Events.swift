import Foundation
import RedisKit

/// One entry of a namespace's events stream.
public struct SwarmEvent: Sendable, Codable, Equatable {
    /// Stream id (`ms-seq`): unique and ordered.
    public var id: String
    /// Event type: a state name for transitions (`ready`, `running`, `succeeded`...), or
    /// `deferred`, `stale_refused`, `worker_registered`, `worker_died`, `feature_submitted`...
    public var type: String
    /// Global task id, empty for worker and feature events.
    public var task: String
    /// Feature id, empty for worker events.
    public var feature: String
    /// Redis time of the event, ms since the epoch.
    public var ts: Int
    /// Every other field (`state`, `from`, `worker`, `attempt`, `reason`, ...).
    public var fields: [String: String]

    /// Creates an event.
    public init(id: String, type: String, task: String, feature: String, ts: Int, fields: [String: String]) {
        self.id = id
        self.type = type
        self.task = task
        self.feature = feature
        self.ts = ts
        self.fields = fields
    }

    /// Decodes a stream entry (`[id, [field, value, ...]]`).
    public init?(entry: RedisValue) {
        guard let pair = entry.array, pair.count == 2, let id = pair[0].string else { return nil }
        var f = pair[1].fieldMap.compactMapValues(\.string)
        self.id = id
        type = f.removeValue(forKey: "type") ?? ""
        task = f.removeValue(forKey: "task") ?? ""
        feature = f.removeValue(forKey: "feature") ?? ""
        ts = Int(f.removeValue(forKey: "ts") ?? "") ?? 0
        fields = f
    }

    /// One JSON object on one line (stable keys, sorted), for programs.
    public var jsonLine: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? enc.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// A readable line: time, type, subject and the interesting fields.
    public var line: String {
        let date = Date(timeIntervalSince1970: Double(ts) / 1000)
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss.SSS"
        let subject = !task.isEmpty ? task : (fields["worker"] ?? feature)
        var extras: [String] = []
        for k in ["from", "worker", "attempt", "route", "reason", "usage", "retry_in_ms", "tasks"] where k != "worker" || !task.isEmpty {
            if let v = fields[k], !v.isEmpty { extras.append("\(k)=\(v.contains(" ") ? "\"\(v)\"" : v)") }
        }
        let pad = type.padding(toLength: max(type.count, 16), withPad: " ", startingAt: 0)
        return "\(f.string(from: date))  \(pad) \(subject)" + (extras.isEmpty ? "" : "  " + extras.joined(separator: " "))
    }
}

/// Reads a namespace's events stream: plainly (`XRANGE`/`XREAD`) or through a consumer group
/// (`XREADGROUP`, at-least-once: entries stay pending until acknowledged).
public final class EventReader {
    /// The connection used.
    public let redis: RedisConnection
    /// The namespace's keys.
    public let keys: Keys

    /// Creates a reader on a connection of its own.
    public init(redis: RedisConnection, namespace: String) {
        self.redis = redis
        self.keys = Keys(namespace: namespace)
    }

    /// Up to `count` events after `since` (exclusive; "0" for the beginning), no blocking.
    public func read(after since: String = "0", count: Int = 1000) throws(RedisError) -> [SwarmEvent] {
        let v = try redis.send("XRANGE", keys.events, "(" + since, "+", "COUNT", count)
        return (v.array ?? []).compactMap(SwarmEvent.init(entry:))
    }

    /// Events after `since`, waiting up to `blockSeconds` for new ones (`$` = only new ones).
    public func follow(after since: String, count: Int = 1000, blockSeconds: Double) throws(RedisError) -> [SwarmEvent] {
        let ms = max(1, Int(blockSeconds * 1000))
        let v = try redis.blocking(RedisCommand("XREAD", "COUNT", count, "BLOCK", ms, "STREAMS", keys.events, since), blockSeconds: blockSeconds)
        return RedisValue.streamEntries(v).compactMap(SwarmEvent.init(entry:))
    }

    /// Creates consumer group `group` if missing (starting at `start`: "0" = whole history).
    public func ensureGroup(_ group: String, start: String = "0") throws(RedisError) {
        let v = try redis.sendRaw(RedisCommand("XGROUP", "CREATE", keys.events, group, start, "MKSTREAM"))
        if case let .error(m) = v, !m.hasPrefix("BUSYGROUP") { throw .server(message: m) }
    }

    /// Reads for `consumer` of `group`: first its own pending (unacknowledged) entries, then new
    /// ones, waiting up to `blockSeconds`.
    public func readGroup(_ group: String, consumer: String, count: Int = 500, blockSeconds: Double) throws(RedisError) -> [SwarmEvent] {
        let pending = try redis.send("XREADGROUP", "GROUP", group, consumer, "COUNT", count, "STREAMS", keys.events, "0")
        let mine = RedisValue.streamEntries(pending).compactMap(SwarmEvent.init(entry:))
        if !mine.isEmpty { return mine }
        let ms = max(1, Int(blockSeconds * 1000))
        let v = try redis.blocking(RedisCommand("XREADGROUP", "GROUP", group, consumer, "COUNT", count, "BLOCK", ms,
                                                "STREAMS", keys.events, ">"), blockSeconds: blockSeconds)
        return RedisValue.streamEntries(v).compactMap(SwarmEvent.init(entry:))
    }

    /// Acknowledges processed entries of `group`.
    public func ack(_ group: String, ids: [String]) throws(RedisError) {
        guard !ids.isEmpty else { return }
        var cmd = RedisCommand("XACK", keys.events, group)
        for id in ids { cmd.append(id) }
        try redis.send(cmd)
    }
}

extension RedisValue {
    /// The entries of an `XREAD`/`XREADGROUP` reply for a single stream.
    static func streamEntries(_ v: RedisValue) -> [RedisValue] {
        guard let streams = v.array, let first = streams.first?.array, first.count == 2 else { return [] }
        return first[1].array ?? []
    }
}
