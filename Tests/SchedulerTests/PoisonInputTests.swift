import Foundation
import Planner
import RedisKit
@testable import Scheduler
import SwarmTestSupport
import XCTest

/// Values that used to get past submit and then break the namespace for everyone.
final class PoisonInputTests: XCTestCase {
    /// Keys of the namespace other than its settings: what a submit would have written.
    private func writtenKeys(_ s: SchedulerClient) throws -> [String] {
        let all = try s.redis.send("KEYS", s.keys.prefix + "*").array?.compactMap(\.string) ?? []
        return all.filter { ![s.keys.config, s.keys.configVersion].contains($0) }.sorted()
    }

    func testBudgetOfTenToTheSeventeenIsRefusedAndNothingIsWritten() throws {
        let s = try freshScheduler()
        let tasks = [TaskRecord(gid: "f/ok", type: "noop", budget: 5),
                     TaskRecord(gid: "f/huge", type: "noop", budget: 100_000_000_000_000_000)]
        XCTAssertThrowsError(try s.submitTasks(tasks, budget: 0)) { error in
            guard case SchedulerError.refused(.badInput, let text) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(text.contains("f/huge") && text.contains("budget"), text)
            XCTAssertTrue(text.contains("nothing was submitted"), text)
        }
        XCTAssertEqual(try writtenKeys(s), [], "a refused submit writes nothing")
        // The namespace still works for everyone.
        try s.register(WorkerRegistration(id: "w", host: "h", pid: 1, capabilities: [], routes: ["any"], agents: []))
        try s.submitTasks([TaskRecord(gid: "g/a", type: "noop")], feature: "g")
        XCTAssertNoThrow(try s.tick())
        let a = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        XCTAssertEqual(try s.complete(a, worker: "w", tokensUsed: 0), .succeeded)
        XCTAssertEqual(try s.stateCounts(), ["succeeded": 1])
    }

    func testSubmitTasksCallWithOneBadTaskWritesNoneOfItsTasks() throws {
        let s = try freshScheduler()
        func call(_ name: String, _ args: [any RedisArgument]) throws -> RedisValue {
            try s.redis.fcall(SchedulerLibrary.library, name, keys: [s.keys.events], args: args)
        }
        _ = try call("submit_feature", ["f", "key", "", 0, 2])
        // gid, type, route, priority, budget, retries, deps, artifacts, spec, deadline, signature
        let good: [any RedisArgument] = ["f/a", "noop", "any", "0", "10", "0", "", "src/a/", "{}", "", ""]
        for (field, value) in [(4, "1e17"), (4, "12.5"), (3, "1e300"), (5, "-1"), (7, "../etc/"), (7, "./src"), (0, "f/a b"), (9, "soon")] {
            var bad = good
            bad[0] = "f/b"
            bad[field] = value
            XCTAssertThrowsError(try call("submit_tasks", ["f"] + good + bad), "field \(field) = \(value)") { error in
                XCTAssertTrue("\(error)".contains("BADINPUT"), "\(error)")
            }
            XCTAssertEqual(try s.redis.send("EXISTS", s.keys.task("f/a")).int, 0, "field \(field) = \(value): the good task of the call was written")
        }
        XCTAssertEqual(try s.stateCounts(), [:])
        _ = try call("submit_tasks", ["f"] + good)
        XCTAssertEqual(try s.state(of: "f/a"), "dispatched", "the same good task alone goes through")
    }

    func testOutOfBoundValuesAreRefusedBySubmit() throws {
        let s = try freshScheduler()
        let bad: [TaskRecord] = [
            TaskRecord(gid: "f/" + String(repeating: "x", count: 129), type: "noop"),
            TaskRecord(gid: "f/a*b", type: "noop"),
            TaskRecord(gid: "f/a", type: "no op"),
            TaskRecord(gid: "f/a", type: "noop", priority: Int.max),
            TaskRecord(gid: "f/a", type: "noop", retries: -1),
            TaskRecord(gid: "f/a", type: "noop", artifacts: ["/etc/"]),
            TaskRecord(gid: "f/a", type: "noop", artifacts: ["src/../../x"]),
            TaskRecord(gid: "f/a", type: "noop", deadlineMs: Int.max),
        ]
        for record in bad {
            XCTAssertThrowsError(try s.submitTasks([record]), "\(record)") { error in
                guard case SchedulerError.refused(.badInput, _) = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")], budget: Int.max))
        XCTAssertThrowsError(try s.submit(feature: "a}b", description: "", budget: 0, idempotencyKey: "k",
                                          tasks: [TaskRecord(gid: "a}b/x", type: "noop")]))
        XCTAssertEqual(try writtenKeys(s), [])
    }

    func testAbsurdTokenReportCannotBreakComplete() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop", budget: 10), TaskRecord(gid: "f/b", type: "noop", budget: 10)],
                          budget: 100)
        let a = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        // Today's Lua passed 1e17 to HINCRBY as '1e+17' and the call failed.
        XCTAssertEqual(try s.complete(a, worker: "w", tokensUsed: 100_000_000_000_000_000), .needsHuman)
        XCTAssertEqual(try s.redis.send("HGET", s.keys.budget("f"), "used").string, "1000000000000",
                       "usage is clamped to the largest budget and written as an integer")
        XCTAssertNoThrow(try s.tick())
        try s.submitTasks([TaskRecord(gid: "g/a", type: "noop")], feature: "g")
        XCTAssertEqual(try s.state(of: "g/a"), "dispatched", "other features go on")
    }

    func testStatsFieldHoldingGarbageDoesNotStopTheNamespace() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        try s.redis.send("HSET", s.keys.stats, "dispatched", "1e+17", "succeeded", "garbage")
        let a = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        XCTAssertEqual(try s.complete(a, worker: "w", tokensUsed: 0), .succeeded)
        try s.submitTasks([TaskRecord(gid: "g/a", type: "noop")], feature: "g")
        XCTAssertNoThrow(try s.tick())
        XCTAssertEqual(try s.state(of: "g/a"), "dispatched")
    }

    func testCorruptTaskIsQuarantinedAndOthersStillDispatch() throws {
        let s = try freshScheduler { $0.queueDepth = 1 }
        try s.submitTasks([TaskRecord(gid: "f/a-hold", type: "noop"), TaskRecord(gid: "f/b-bad", type: "noop", budget: 5),
                           TaskRecord(gid: "f/c-good", type: "noop")], budget: 100)
        // f/a-hold fills the queue (depth 1; equal scores go in name order); the others wait as ready candidates.
        try s.redis.send("HSET", s.keys.task("f/b-bad"), "budget", "\u{1B}[2J", "priority", "1e+17")
        let hold = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        XCTAssertEqual(try s.complete(hold, worker: "w", tokensUsed: 0), .succeeded, "the dispatch pass meets f/bad and goes on")
        XCTAssertEqual(try s.state(of: "f/b-bad"), "needs_human")
        let reason = try s.taskFields("f/b-bad")["reason"] ?? ""
        XCTAssertTrue(reason.contains("corrupt record") && reason.contains("budget"), reason)
        XCTAssertFalse(reason.contains("\u{1B}"), "the garbage is shown escaped: \(reason)")
        XCTAssertEqual(try s.state(of: "f/c-good"), "dispatched")
        XCTAssertEqual(try s.redis.send("ZSCORE", s.keys.human, "f/b-bad").isNull, false, "it waits for review")
        XCTAssertThrowsError(try s.resolve("f/b-bad", .pending)) { error in
            guard case SchedulerError.refused(.corrupt, let text) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(text.contains("cancel"), text)
        }
        XCTAssertEqual(try s.cancel("f/b-bad"), 1, "a corrupt task can always be cancelled")
        XCTAssertEqual(try s.state(of: "f/b-bad"), "cancelled")
    }

    func testTaskKeyOfAnotherTypeIsSetAsideNotFatal() throws {
        let s = try freshScheduler { $0.queueDepth = 1 }
        try s.submitTasks([TaskRecord(gid: "f/a-hold", type: "noop"), TaskRecord(gid: "f/b-bad", type: "noop"),
                           TaskRecord(gid: "f/c-good", type: "noop")])
        try s.redis.send("DEL", s.keys.task("f/b-bad"))
        try s.redis.send("RPUSH", s.keys.task("f/b-bad"), "not", "a", "hash")
        let hold = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        XCTAssertEqual(try s.complete(hold, worker: "w", tokensUsed: 0), .succeeded)
        XCTAssertEqual(try s.state(of: "f/c-good"), "dispatched")
        XCTAssertEqual(try s.state(of: "f/b-bad"), "needs_human")
        XCTAssertEqual(try s.redis.send("LRANGE", s.keys.prefix + "corrupt:f/b-bad", 0, -1).array?.compactMap(\.string),
                       ["not", "a", "hash"], "the garbage is kept for a person")
    }
}
