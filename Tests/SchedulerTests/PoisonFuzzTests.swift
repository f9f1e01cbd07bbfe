import Foundation
import Planner
import RedisKit
@testable import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest

/// Garbage written straight into Redis (task hashes, budgets, dependency counters, stats,
/// feature and worker records) must stop at most the records it hit: every call of the
/// scheduler keeps working for the other tasks, workers keep claiming and completing, and the
/// ledger keeps recording.
final class PoisonFuzzTests: XCTestCase {
    /// Values a broken or hostile writer might leave.
    private static let garbage: [String] = [
        "", "1e+17", "1e300", "-1e300", "nan", "inf", "-inf", "12.5", "-5", "0x7fffffff", "99999999999999999999",
        "\u{1B}[2J\u{1B}[31mred", "\u{0}\u{1}\u{2}", "ready", "running", "succeeded", "any", "m:", "c:",
        "f/x", String(repeating: "z", count: 3000), "\u{FF}\u{FE}", "1\n2", " 7", "true", "{}", "7",
    ]
    private static let taskFields = ["state", "type", "feature", "route", "artifacts", "budget", "priority", "attempt",
                                     "token", "worker", "retries", "failures", "lost", "deps", "defer", "blimit",
                                     "deadline", "spec"]

    /// Runs a scheduler call that must never fail for the healthy tasks' sake.
    @discardableResult
    private func must<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            XCTFail("\(what) failed: \(error)")
            throw error
        }
    }

    /// One worker's turn: claim what is queued; complete healthy tasks, do random things with
    /// victims (complete, fail, heartbeat, or abandon them for the tick to reap).
    private func work(_ s: SchedulerClient, _ worker: String, rounds: Int, rng: inout SeededRandom) throws {
        for _ in 0..<rounds {
            guard let t = try must("claim by \(worker)", { try s.tryClaim(worker: worker, routes: ["any"]) }) else { return }
            if !t.gid.hasPrefix("v") {
                // No usage: garbage in its budget may not park it (that is the budget working, not a failure).
                let state = try must("complete of \(t.gid)") { try s.complete(t, worker: worker, tokensUsed: 0) }
                XCTAssertEqual(state, .succeeded, t.gid)
                continue
            }
            let action = rng.next() % 4, usage = Int(rng.next() % 1000)
            do {
                switch action {
                case 0: try s.complete(t, worker: worker, tokensUsed: usage)
                case 1: try s.fail(t, worker: worker, kind: .error, reason: "fuzz", jitterUnit: 0.5)
                case 2: _ = try s.heartbeat(worker: worker, task: t, load: LoadReport())
                default: break
                }
            } catch {
                // A victim's record may be quarantined or lie about its token: refusing is right.
                guard case .stale = error else { throw error }
            }
        }
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    func testGarbageInRecordsNeverStopsOtherTasksWorkersOrTheLedger() throws {
        var rng = SeededRandom(seed: 0x9_5EED)
        let s = try freshScheduler {
            $0.queueDepth = 4
            $0.runLease = 0.2
            $0.dispatchLease = 0.2
            $0.workerTTL = 0.3
        }
        let redis = s.redis
        let any = ["any"]
        var victims: [String] = []
        var healthy: [String] = []
        var quarantinedSeen = false
        let now = Int(Date().timeIntervalSince1970 * 1000)

        try must("register") {
            try s.register(WorkerRegistration(id: "w1", host: "h", pid: 1, capabilities: [], routes: any, agents: []))
        }
        for round in 0..<60 {
            // A healthy chain, and victims: some wait for the chain's head, some are ready now.
            let h = "h\(round)", v = "v\(round)"
            let chain = (0..<3).map { i in
                TaskRecord(gid: "\(h)/t\(i)", type: "noop", dependsOn: i == 0 ? [] : ["\(h)/t\(i - 1)"], artifacts: ["\(h)/out\(i)/"])
            }
            healthy += chain.map(\.gid)
            try must("submit \(h)") { try s.submitTasks(chain, feature: h) }
            let victimTasks = (0..<5).map { i in
                TaskRecord(gid: "\(v)/x\(i)", type: "noop", budget: 10, dependsOn: i < 3 ? ["\(h)/t0"] : [],
                           artifacts: ["\(v)/shared/", "vshared/\(i)"], deadlineMs: now + Int(rng.next() % 400))
            }
            victims += victimTasks.map(\.gid)
            try must("submit \(v)") { try s.submitTasks(victimTasks, feature: v, budget: 30) }

            // Garbage (a write may meet a key an earlier round turned into another type: skipped).
            for _ in 0..<4 {
                let value = Self.garbage[Int(rng.next() % UInt64(Self.garbage.count))]
                let victim = victims[Int(rng.next() % UInt64(victims.count))]
                let feature = String(victim.split(separator: "/")[0])
                switch rng.next() % 10 {
                case 0, 1, 2, 3:
                    _ = try? redis.send("HSET", s.keys.task(victim), Self.taskFields[Int(rng.next() % UInt64(Self.taskFields.count))], value)
                case 4:
                    _ = try? redis.send("HDEL", s.keys.task(victim), Self.taskFields[Int(rng.next() % UInt64(Self.taskFields.count))])
                case 5:
                    try redis.send("DEL", s.keys.task(victim))
                    try redis.send("SADD", s.keys.task(victim), value.isEmpty ? "x" : value)
                case 6:
                    try redis.send("SET", s.keys.deps(victim), value)
                case 7:
                    let b = rng.next() % 2 == 0 ? s.keys.budget(feature) : s.keys.budget(h)
                    _ = try? redis.send("HSET", b, ["limit", "reserved", "used"][Int(rng.next() % 3)], value)
                case 8:
                    _ = try? redis.send("HSET", s.keys.stats, ["ready", "dispatched", "running", "succeeded", "needs_human"][Int(rng.next() % 5)], value)
                default:
                    let key = rng.next() % 2 == 0 ? s.keys.feature(feature) : s.keys.running("noop")
                    if key.hasSuffix("noop") { _ = try? redis.send("SET", key, value) } else {
                        _ = try? redis.send("HSET", key, ["remaining", "submitted", "budget"][Int(rng.next() % 3)], value)
                    }
                }
            }
            // A worker that vanished with a record full of garbage.
            if round % 10 == 0 {
                try must("register ghost") {
                    try s.register(WorkerRegistration(id: "ghost\(round)", host: "h", pid: 2, capabilities: [], routes: any, agents: []))
                }
                try redis.send("HSET", s.keys.worker("ghost\(round)"), "task", victims.last ?? "", "routes", "\u{0}garbage")
                try redis.send("ZADD", s.keys.workers, 1, "ghost\(round)")
            }

            try work(s, "w1", rounds: 12, rng: &rng)
            try must("tick") { try s.tick() }
            if rng.next() % 3 == 0, let victim = victims.randomElement(using: &rng) {
                _ = try? s.cancel(victim) // a victim whose record was deleted is not found: fine
            }
            if rng.next() % 5 == 0 { sleepSeconds(0.05) }
            try must("heartbeat") { try s.heartbeat(worker: "w1", task: nil, load: LoadReport()) }
            if !quarantinedSeen {
                quarantinedSeen = try s.allEvents().contains { $0["quarantined"] == "1" }
            }
        }

        // Every healthy task finishes, whatever the victims hold.
        let deadline = Monotonic.now() + 20
        var left = healthy
        while !left.isEmpty && Monotonic.now() < deadline {
            try work(s, "w1", rounds: 50, rng: &rng)
            try must("tick") { try s.tick() }
            try must("heartbeat") { try s.heartbeat(worker: "w1", task: nil, load: LoadReport()) }
            left = try left.filter { try s.state(of: $0) != "succeeded" }
            if !left.isEmpty { sleepSeconds(0.02) }
        }
        XCTAssertEqual(left, [], "healthy tasks that never finished")
        XCTAssertTrue(quarantinedSeen, "the garbage should have hit some records hard enough to quarantine them")

        // The ledger records the whole stream, garbage and all.
        let path = NSTemporaryDirectory() + "fuzz-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ledger = try Ledger(path: path)
        try LedgerWriter.catchUp(url: TestRedis.server.url, namespace: "test", ledger: ledger)
        let recorded = Dictionary(uniqueKeysWithValues: try ledger.tasks(limit: 100_000).map { ($0.gid, $0.state) })
        for gid in healthy { XCTAssertEqual(recorded[gid], "succeeded", gid) }
    }
}
