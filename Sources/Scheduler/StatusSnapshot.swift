import Foundation
import RedisKit

/// A point-in-time picture of a namespace, for `orchestrator status` (table or JSON).
public struct StatusSnapshot: Sendable, Codable, Equatable {
    /// One worker as seen in Redis.
    public struct Worker: Sendable, Codable, Equatable {
        /// Worker id.
        public var id: String
        /// Host name.
        public var host: String
        /// Process id.
        public var pid: Int
        /// `idle`, `working`, `dead` or `stopped`.
        public var state: String
        /// Task it runs, if any.
        public var task: String
        /// Composite host load 0...1.
        public var load: Double
        /// Seconds since its last heartbeat.
        public var lastSeenSeconds: Double
    }

    /// A feature's budget.
    public struct Budget: Sendable, Codable, Equatable {
        /// Feature id.
        public var feature: String
        /// Token limit (0 = none).
        public var limit: Int
        /// Tokens reserved by dispatched and running tasks.
        public var reserved: Int
        /// Tokens used by finished tasks.
        public var used: Int
        /// Feature state.
        public var state: String
    }

    /// A task type's rate limit headroom.
    public struct Rate: Sendable, Codable, Equatable {
        /// Task type.
        public var type: String
        /// Starts per second allowed.
        public var perSecond: Double
        /// Starts that could happen right now.
        public var available: Int
        /// Dispatched and running tasks of the type.
        public var running: Int
        /// max_concurrent (0 = unlimited).
        public var maxConcurrent: Int
    }

    /// Namespace name.
    public var namespace: String
    /// Tasks by state.
    public var tasks: [String: Int]
    /// Queued items per route.
    public var queues: [String: Int]
    /// Ready tasks waiting for admission.
    public var ready: Int
    /// Retries waiting out their backoff.
    public var delayed: Int
    /// Dead letters.
    public var dead: Int
    /// Tasks waiting for a person.
    public var needsHuman: Int
    /// Workers, live ones first.
    public var workers: [Worker]
    /// Budgets by feature.
    public var budgets: [Budget]
    /// Rate-limit headroom by type.
    public var rates: [Rate]
    /// True while admission is stopped.
    public var draining: Bool
    /// Desired local worker count, when set.
    public var desiredWorkers: Int?

    /// Reads the snapshot in one pipelined round trip, one more for routes, workers and
    /// features, and one `rate_headroom` call.
    public static func gather(_ c: SchedulerClient) throws(SchedulerError) -> StatusSnapshot {
        let k = c.keys
        let r: [RedisValue]
        do {
            r = try c.redis.pipeline([
                RedisCommand("HGETALL", k.stats), RedisCommand("SMEMBERS", k.routes),
                RedisCommand("ZCARD", k.delayed), RedisCommand("LLEN", k.dead), RedisCommand("ZCARD", k.human),
                RedisCommand("ZRANGE", k.workers, 0, -1), RedisCommand("SMEMBERS", k.features), RedisCommand("HGETALL", k.control),
                RedisCommand("TIME"),
            ])
        } catch { throw SchedulerError(error) }
        let routes = (r[1].array ?? []).compactMap(\.string).sorted()
        let workerIDs = (r[5].array ?? []).compactMap(\.string)
        let features = (r[6].array ?? []).compactMap(\.string).sorted()
        let control = r[7].fieldMap.compactMapValues(\.string)
        let time = r[8].array ?? []
        let now = (time.first?.int ?? 0) * 1000 + (time.count > 1 ? (time[1].int ?? 0) / 1000 : 0)

        var cmds = routes.map { RedisCommand("LLEN", k.queue($0)) }
        cmds += routes.map { RedisCommand("ZCARD", k.ready($0)) }
        cmds += workerIDs.map { RedisCommand("HGETALL", k.worker($0)) }
        cmds += features.map { RedisCommand("HMGET", k.budget($0), "limit", "reserved", "used") }
        cmds += features.map { RedisCommand("HGET", k.feature($0), "state") }
        let more: [RedisValue]
        do { more = try c.redis.pipeline(cmds) } catch { throw SchedulerError(error) }
        var i = 0
        var queues: [String: Int] = [:]
        for route in routes { queues[route] = more[i].int ?? 0; i += 1 }
        var ready = 0
        for _ in routes { ready += more[i].int ?? 0; i += 1 }
        var workers: [Worker] = []
        for id in workerIDs {
            let w = more[i].fieldMap.compactMapValues(\.string); i += 1
            workers.append(Worker(id: id, host: w["host"] ?? "", pid: Int(w["pid"] ?? "") ?? 0, state: w["state"] ?? "?",
                                  task: w["task"] ?? "", load: Double(w["load"] ?? "") ?? 0,
                                  lastSeenSeconds: Double(now - (Int(w["seen"] ?? "") ?? now)) / 1000))
        }
        var budgets: [Budget] = []
        let budgetStart = i
        for (j, f) in features.enumerated() {
            let b = more[budgetStart + j].array ?? []
            let st = more[budgetStart + features.count + j].string ?? ""
            budgets.append(Budget(feature: f, limit: b.first?.int ?? 0, reserved: b.count > 1 ? b[1].int ?? 0 : 0,
                                  used: b.count > 2 ? b[2].int ?? 0 : 0, state: st))
        }
        // Headroom comes from the functions' own GCRA state, so status never computes it twice.
        let rates = try c.rateHeadroom()
        return StatusSnapshot(namespace: k.namespace, tasks: r[0].fieldMap.compactMapValues(\.int).filter { $0.value != 0 },
                              queues: queues, ready: ready, delayed: r[2].int ?? 0, dead: r[3].int ?? 0,
                              needsHuman: r[4].int ?? 0, workers: workers, budgets: budgets, rates: rates,
                              draining: control["draining"] == "1", desiredWorkers: control["desired_workers"].flatMap { Int($0) })
    }

    /// Workers by state: idle, working (live) and dead (missed heartbeats beyond `ttl`).
    public func workerCounts(ttl: Double) -> (idle: Int, working: Int, dead: Int) {
        var idle = 0, working = 0, dead = 0
        for w in workers {
            if w.lastSeenSeconds > ttl || w.state == "dead" { dead += 1 } else if w.state == "working" { working += 1 } else { idle += 1 }
        }
        return (idle, working, dead)
    }

    /// Pretty JSON.
    public var json: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? enc.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
