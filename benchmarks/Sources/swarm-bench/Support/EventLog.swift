import RedisKit
import Scheduler

/// Reads a namespace's whole events stream (the scenarios check invariants against it).
enum EventLog {
    /// Every event, oldest first, read in pages.
    static func all(_ redis: RedisConnection, keys: Keys) throws -> [SwarmEvent] {
        let reader = EventReader(redis: redis, namespace: keys.namespace)
        var out: [SwarmEvent] = []
        var after = "0"
        while true {
            let page = try reader.read(after: after, count: 10_000)
            out += page
            guard let last = page.last, page.count == 10_000 else { return out }
            after = last.id
        }
    }
}
