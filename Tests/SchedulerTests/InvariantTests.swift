import Foundation
import Planner
import RedisKit
@testable import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest

/// Shared observations of concurrent claimers, guarded by a lock.
final class Observer: @unchecked Sendable {
    private let lock = NSLock()
    private var running: [String: [String]] = [:]       // gid -> artifacts
    private var runningByType: [String: Int] = [:]
    private(set) var completed: Set<String> = []
    private(set) var violations: [String] = []
    private(set) var maxRunningByType: [String: Int] = [:]
    private(set) var usageSum = 0

    func started(_ gid: String, type: String, artifacts: [String], deps: [String]) {
        lock.withLock {
            for (other, held) in running {
                for a in artifacts { for h in held where overlaps(a, h) {
                    violations.append("\(gid) (\(a)) overlaps running \(other) (\(h))")
                } }
            }
            for d in deps where !completed.contains(d) { violations.append("\(gid) started before dependency \(d) succeeded") }
            running[gid] = artifacts
            runningByType[type, default: 0] += 1
            maxRunningByType[type] = max(maxRunningByType[type] ?? 0, runningByType[type]!)
        }
    }

    func finished(_ gid: String, type: String, usage: Int) {
        lock.withLock {
            running[gid] = nil
            runningByType[type, default: 0] -= 1
            completed.insert(gid)
            usageSum += usage
        }
    }

    func note(_ violation: String) { lock.withLock { violations.append(violation) } }
}

/// The overlap rule: the Planner's `artifactsOverlap`, the one plans are checked with.
func overlaps(_ a: String, _ b: String) -> Bool { artifactsOverlap(a, b) }

/// Runs `claimers` threads, each with its own connection, claiming until every task is final.
func runClaimers(_ claimers: Int, total: Int, tasks: [String: TaskRecord], observer: Observer, seed: UInt64,
                 usage: @escaping @Sendable (String) -> Int = { _ in 0 }, beforeComplete: (@Sendable (SchedulerClient) -> Void)? = nil,
                 timeout: Double = 60) throws {
    let group = DispatchGroup()
    let done = Atomic(0)
    for i in 0..<claimers {
        let client = try secondClient()
        let taskMap = tasks
        nonisolated(unsafe) let c = client
        Thread {
            group.enter()
            defer { group.leave() }
            var rng = SeededRandom(seed: seed &+ UInt64(i))
            let deadline = Monotonic.now() + timeout
            while done.value < total && Monotonic.now() < deadline {
                do {
                    guard let t = try c.claim(worker: "w\(i)", routes: ["any"], blockSeconds: 0.05) else { continue }
                    let rec = taskMap[t.gid]!
                    observer.started(t.gid, type: rec.type, artifacts: rec.artifacts, deps: rec.dependsOn)
                    sleepSeconds(Double(rng.next() % 1500) / 1_000_000)
                    beforeComplete?(c)
                    let u = usage(t.gid)
                    observer.finished(t.gid, type: rec.type, usage: u)
                    let state = try c.complete(t, worker: "w\(i)", tokensUsed: u)
                    if state == .succeeded { done.add(1) } else { observer.note("\(t.gid) ended \(state)") }
                } catch {
                    observer.note("claimer \(i): \(error)")
                    return
                }
            }
        }.start()
    }
    sleepSeconds(0.01)
    group.wait()
}

final class Atomic: @unchecked Sendable {
    private let lock = NSLock()
    private var v: Int
    init(_ v: Int) { self.v = v }
    var value: Int { lock.withLock { v } }
    func add(_ n: Int) { lock.withLock { v += n } }
}

final class InvariantTests: XCTestCase {
    /// Invariant 2: 500 tasks over 6 overlapping artifacts, 8 concurrent claimers.
    func testOverlappingArtifactsNeverRunAtOnce() throws {
        let paths = ["src/", "src/api", "src/api/x.swift", "src/db.swift", "docs/", "docs/readme.md"]
        for seed: UInt64 in [1, 2, 3] {
            let s = try freshScheduler()
            let loop = SchedulerLoop(url: TestRedis.server.url, namespace: "test", maxSleep: 0.05)
            loop.start()
            defer { loop.stop() }
            var rng = SeededRandom(seed: seed)
            var tasks: [String: TaskRecord] = [:]
            var list: [TaskRecord] = []
            for i in 0..<500 {
                let n = 1 + Int(rng.next() % 2)
                let arts = Array(Set((0..<n).map { _ in paths[Int(rng.next() % UInt64(paths.count))] })).sorted()
                let r = TaskRecord(gid: "f/t\(i)", type: "noop", artifacts: arts)
                tasks[r.gid] = r
                list.append(r)
            }
            try s.submitTasks(list)
            let observer = Observer()
            try runClaimers(8, total: 500, tasks: tasks, observer: observer, seed: seed)
            XCTAssertEqual(observer.violations, [], "seed \(seed)")
            XCTAssertEqual(try s.stateCounts(), ["succeeded": 500], "seed \(seed)")
            XCTAssertEqual(try s.redis.send("ZCARD", s.keys.locks).int, 0, "every lock released")
        }
    }

    /// Invariant 3: budget 10,000, estimates 3,000: never more than 3 reserved at once; used ends
    /// as the sum of reported usage.
    func testBudgetNeverOverReserved() throws {
        let s = try freshScheduler()
        let loop = SchedulerLoop(url: TestRedis.server.url, namespace: "test", maxSleep: 0.05)
        loop.start()
        defer { loop.stop() }
        var tasks: [String: TaskRecord] = [:]
        let list = (0..<12).map { TaskRecord(gid: "f/t\($0)", type: "backend", budget: 3000) }
        for r in list { tasks[r.gid] = r }
        try s.submitTasks(list, budget: 10_000)
        let observer = Observer()
        let budgetKey = s.keys.budget("f")
        try runClaimers(6, total: 12, tasks: tasks, observer: observer, seed: 9,
                        usage: { gid in 100 + (Int(gid.dropFirst(3)) ?? 0) * 10 },
                        beforeComplete: { c in
                            let v = (try? c.redis.send("HMGET", budgetKey, "reserved", "used", "limit").array) ?? []
                            let reserved = v.first?.int ?? 0, used = v.count > 1 ? v[1].int ?? 0 : 0
                            if reserved > 9000 || reserved + used > 10_000 { observer.note("reserved \(reserved) used \(used)") }
                        })
        XCTAssertEqual(observer.violations, [])
        XCTAssertLessThanOrEqual(observer.maxRunningByType["backend"] ?? 0, 3)
        let b = try s.redis.send("HGETALL", budgetKey).fieldMap
        XCTAssertEqual(b["reserved"]?.int, 0)
        XCTAssertEqual(b["used"]?.int, observer.usageSum)
        XCTAssertEqual(observer.usageSum, (0..<12).reduce(0) { $0 + 100 + $1 * 10 })
    }

    /// Invariant 4: max_concurrent holds.
    func testMaxConcurrentHolds() throws {
        let s = try freshScheduler { $0.types["backend"] = .init(maxConcurrent: 2) }
        let loop = SchedulerLoop(url: TestRedis.server.url, namespace: "test", maxSleep: 0.05)
        loop.start()
        defer { loop.stop() }
        var tasks: [String: TaskRecord] = [:]
        let list = (0..<40).map { TaskRecord(gid: "f/t\($0)", type: "backend") }
        for r in list { tasks[r.gid] = r }
        try s.submitTasks(list)
        let observer = Observer()
        try runClaimers(6, total: 40, tasks: tasks, observer: observer, seed: 4)
        XCTAssertEqual(observer.violations, [])
        XCTAssertEqual(observer.maxRunningByType["backend"], 2)
    }

    /// Invariant 4: a 5/s rate limit, measured on the dispatch times Redis recorded.
    func testRateLimitHolds() throws {
        let s = try freshScheduler { $0.types["agent"] = .init(maxConcurrent: 0, ratePerSecond: 5, burst: 1) }
        let loop = SchedulerLoop(url: TestRedis.server.url, namespace: "test", maxSleep: 0.05)
        loop.start()
        defer { loop.stop() }
        var tasks: [String: TaskRecord] = [:]
        let list = (0..<10).map { TaskRecord(gid: "f/t\($0)", type: "agent") }
        for r in list { tasks[r.gid] = r }
        try s.submitTasks(list)
        let observer = Observer()
        try runClaimers(4, total: 10, tasks: tasks, observer: observer, seed: 5)
        XCTAssertEqual(observer.violations, [])
        let times = try s.allEvents().filter { $0["type"] == "dispatched" }.compactMap { Int($0["ts"] ?? "") }
        XCTAssertEqual(times.count, 10)
        for i in 1..<times.count {
            XCTAssertGreaterThanOrEqual(times[i] - times[i - 1], 199, "dispatches \(i - 1) and \(i) closer than 1/5 s")
        }
        // Over the whole run: n starts need at least (n-1)/rate seconds.
        XCTAssertGreaterThanOrEqual(times.last! - times.first!, 9 * 200 - 1)
    }

    /// Invariant 1 and 5 on seeded random DAGs, with two scheduler loops on the namespace at once:
    /// no task starts before its dependencies succeeded, and the event stream, replayed, rebuilds
    /// exactly the final states with every transition chained from the previous state.
    func testRandomDAGsKeepDependencyOrderAndEventsReplay() throws {
        for seed: UInt64 in [11, 12, 13, 14] {
            let s = try freshScheduler()
            let loops = (0..<2).map { _ in SchedulerLoop(url: TestRedis.server.url, namespace: "test", maxSleep: 0.05) }
            loops.forEach { $0.start() }
            var rng = SeededRandom(seed: seed)
            var tasks: [String: TaskRecord] = [:]
            var list: [TaskRecord] = []
            let n = 300
            for i in 0..<n {
                var deps: Set<String> = []
                if i > 0 { for _ in 0..<Int(rng.next() % 4) { deps.insert("f/t\(Int(rng.next() % UInt64(i)))") } }
                let r = TaskRecord(gid: "f/t\(i)", type: "noop", priority: Int(rng.next() % 3), dependsOn: deps.sorted())
                tasks[r.gid] = r
                list.append(r)
            }
            list.shuffle(using: &rng)  // submission order must not matter
            _ = try s.submit(feature: "f", description: "dag", budget: 0, idempotencyKey: "k\(seed)", tasks: list, chunk: 37)
            let observer = Observer()
            try runClaimers(4, total: n, tasks: tasks, observer: observer, seed: seed)
            loops.forEach { $0.stop() }
            XCTAssertEqual(observer.violations, [], "seed \(seed)")
            XCTAssertEqual(try s.stateCounts(), ["succeeded": n], "seed \(seed)")

            var replayed: [String: String] = [:]
            for e in try s.allEvents() {
                guard let gid = e["task"], !gid.isEmpty, let state = e["state"] else { continue }
                XCTAssertEqual(e["from"] ?? "", replayed[gid] ?? "", "seed \(seed): \(gid) event out of order")
                XCTAssertTrue(TaskState.allows(from: TaskState(rawValue: e["from"] ?? ""), to: TaskState(rawValue: state) ?? .blocked)
                              && TaskState(rawValue: state) != nil, "seed \(seed): \(gid) \(e["from"] ?? "") -> \(state) is not in TaskState.moves")
                replayed[gid] = state
            }
            for gid in tasks.keys { XCTAssertEqual(replayed[gid], try s.state(of: gid), "seed \(seed): \(gid)") }
        }
    }
}
