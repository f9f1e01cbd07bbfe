import RedisKit
@testable import Scheduler
import SwarmTestSupport
import XCTest

/// The named calls the CLI and the supervisor make instead of raw commands on scheduler keys.
final class ControlCallsTests: XCTestCase {
    private func redisMilliseconds(_ c: SchedulerClient) throws -> Int {
        let t = try c.redis.send("TIME").array ?? []
        return (t[0].string.flatMap(Int.init) ?? 0) * 1000 + (t[1].string.flatMap(Int.init) ?? 0) / 1000
    }

    func testAnOrchestratorEventIsWrittenLikeEveryEventWithRedisTimeAndItsFields() throws {
        let c = try freshScheduler()
        let before = try redisMilliseconds(c)
        try c.note(.workerCrashLoop(deaths: 5, windowSeconds: 30))
        try c.note(.workersClamped(asked: 100, maxWorkers: 8))
        let after = try redisMilliseconds(c)

        let events = try c.allEvents()
        XCTAssertEqual(events.map { $0["type"] }, ["worker_crash_loop", "workers_clamped"])
        XCTAssertEqual(events[0]["deaths"], "5")
        XCTAssertEqual(events[0]["window_s"], "30.0")
        XCTAssertEqual(events[1]["asked"], "100")
        XCTAssertEqual(events[1]["max_workers"], "8")
        for e in events {
            XCTAssertEqual(e["task"], "")
            XCTAssertEqual(e["feature"], "")
            let ts = try XCTUnwrap(e["ts"].flatMap(Int.init))
            XCTAssertTrue((before...after).contains(ts), "ts \(ts) is Redis's clock, within [\(before), \(after)]")
        }
    }

    func testTheStreamStaysCappedWhenOrchestratorEventsAreNoted() throws {
        let c = try freshScheduler { $0.eventsMaxlen = 10 }
        for i in 0..<2000 { try c.note(.workersClamped(asked: i, maxWorkers: 1)) }
        let length = try c.redis.send("XLEN", c.keys.events).int ?? 0
        // MAXLEN ~ trims whole radix-tree nodes (100 entries by default), never to exactly 10.
        XCTAssertLessThan(length, 200, "the stream was trimmed as events_maxlen asks")
    }

    func testNoteEventRefusesAnythingButAnOrchestratorEvent() throws {
        let c = try freshScheduler()
        XCTAssertThrowsError(try c.call("note_event", ["succeeded", "task", "f/t"])) { error in
            XCTAssertTrue("\(error)".contains("BADEVENT"), "\(error)")
        }
        XCTAssertEqual(try c.allEvents().count, 0, "nothing was written")
    }

    func testOrchestratorLivenessIsAnnouncedRefreshedAndForgotten() throws {
        let c = try freshScheduler()
        try c.announceOrchestrator("host:1", desiredWorkers: 3)
        XCTAssertEqual(try c.control()["desired_workers"], "3")
        XCTAssertEqual(try c.liveOrchestrators(within: 5), 1)
        try c.redis.send("HSET", c.keys.control, "orchestrator:host:2", 1)  // stamped in 1970
        XCTAssertEqual(try c.liveOrchestrators(within: 5), 1, "a stale stamp is not a live orchestrator")
        try c.markOrchestratorAlive("host:2")
        XCTAssertEqual(try c.liveOrchestrators(within: 5), 2)
        try c.forgetOrchestrator("host:1")
        try c.forgetOrchestrator("host:2")
        XCTAssertEqual(try c.liveOrchestrators(within: 5), 0)
        XCTAssertNil(try c.control()["orchestrator:host:1"])
    }

    func testKillAllDropsTheDesiredCountAndMovesTheKillGenerationOn() throws {
        let c = try freshScheduler()
        try c.setDesiredWorkers(4)
        try c.killAllWorkers()
        XCTAssertEqual(try c.control()["desired_workers"], "0")
        XCTAssertEqual(try c.control()["kill_all"], "1")
        try c.killAllWorkers()
        XCTAssertEqual(try c.control()["kill_all"], "2", "each kill-all is a new generation every up follows")
    }

    func testTheRunLeaseIsReadInSecondsAsConfigured() throws {
        let c = try freshScheduler { $0.runLease = 7.5 }
        XCTAssertEqual(try c.runLeaseSeconds(), 7.5)
        try c.redis.send("DEL", c.keys.config)
        XCTAssertNil(try c.runLeaseSeconds())
    }

    func testTasksWaitingForAPersonAreListedOldestFirst() throws {
        let c = try freshScheduler()
        try c.redis.send("ZADD", c.keys.human, 20, "f/b", 10, "f/a")
        XCTAssertEqual(try c.tasksWaitingForHuman(), ["f/a", "f/b"])
    }

    func testRateHeadroomIsWhatTheSchedulersGCRAAllowsNow() throws {
        let c = try freshScheduler {
            $0.types["fast"] = .init(maxConcurrent: 2, ratePerSecond: 10, burst: 3)
            $0.types["free"] = .init(maxConcurrent: 4)
        }
        var rates = try c.rateHeadroom()
        XCTAssertEqual(rates.map(\.type), ["free", "fast"].sorted())
        let fresh = try XCTUnwrap(rates.first { $0.type == "fast" })
        XCTAssertEqual(fresh, StatusSnapshot.Rate(type: "fast", perSecond: 10, available: 3, running: 0, maxConcurrent: 2),
                       "an unused limit offers its whole burst")
        XCTAssertEqual(rates.first { $0.type == "free" }?.available, -1, "no rate limit: unlimited")
        XCTAssertEqual(rates.first { $0.type == "free" }?.maxConcurrent, 4)

        // Two starts' worth of theoretical arrival time ahead of now (period 100 ms): one left.
        try c.redis.send("SET", c.keys.rate("fast"), try redisMilliseconds(c) + 200)
        try c.redis.send("SET", c.keys.running("fast"), 2)
        rates = try c.rateHeadroom()
        XCTAssertEqual(rates.first { $0.type == "fast" }?.available, 1)
        XCTAssertEqual(rates.first { $0.type == "fast" }?.running, 2)

        try c.redis.send("SET", c.keys.rate("fast"), try redisMilliseconds(c) + 10_000)
        XCTAssertEqual(try c.rateHeadroom().first { $0.type == "fast" }?.available, 0, "never negative")
        XCTAssertEqual(try StatusSnapshot.gather(c).rates, try c.rateHeadroom(), "status shows the same headroom")
    }
}
