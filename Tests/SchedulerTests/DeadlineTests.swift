import Foundation
import Planner
import RedisKit
@testable import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest

/// `deadline` acts: a missed one is reported by the tick, and a near one raises the task.
final class DeadlineTests: XCTestCase {
    private var nowMs: Int { Int(Date().timeIntervalSince1970 * 1000) }

    func testMissedDeadlineIsReportedOnceAndFinishedTasksAreNot() throws {
        let s = try freshScheduler()
        let due = nowMs + 300
        try s.submitTasks([TaskRecord(gid: "f/done", type: "noop", deadlineMs: due),
                           TaskRecord(gid: "f/late", type: "noop", dependsOn: ["f/done"], deadlineMs: due)])
        let done = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        XCTAssertEqual(try s.complete(done, worker: "w", tokensUsed: 0), .succeeded)
        XCTAssertEqual(try s.tick().deadlinesMissed, 0, "nothing is due yet")
        sleepSeconds(0.4)
        XCTAssertEqual(try s.tick().deadlinesMissed, 1)
        let missed = try s.allEvents().filter { $0["type"] == "deadline_missed" }
        XCTAssertEqual(missed.map { $0["task"] }, ["f/late"], "a task that finished in time is not reported")
        XCTAssertEqual(missed.first?["task_state"], "dispatched")
        XCTAssertEqual(missed.first?["deadline"], String(due))
        XCTAssertEqual(try s.tick().deadlinesMissed, 0, "reported once")
        XCTAssertEqual(try s.state(of: "f/late"), "dispatched", "a missed deadline reports; it does not stop the task")
    }

    func testTaskNearItsDeadlineOvertakesTasksQueuedBeforeIt() throws {
        let s = try freshScheduler { $0.queueDepth = 1; $0.deadlineLead = 600 }
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop"), TaskRecord(gid: "f/b", type: "noop"),
                           TaskRecord(gid: "f/c", type: "noop")])
        sleepSeconds(0.01)
        // Due in a minute, well inside the 10-minute lead: it ranks as if queued 9 minutes ago.
        try s.submitTasks([TaskRecord(gid: "g/urgent", type: "noop", deadlineMs: nowMs + 60_000),
                           TaskRecord(gid: "g/later", type: "noop", deadlineMs: nowMs + 86_400_000)], feature: "g")
        let a = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        XCTAssertEqual(a.gid, "f/a")
        let (_, next) = try s.completeAndClaim(a, worker: "w", tokensUsed: 0, routes: ["any"])
        XCTAssertEqual(next?.gid, "g/urgent", "the task near its deadline goes before f/b and f/c")
        var order: [String] = []
        var current = next
        while let t = current {
            current = try s.completeAndClaim(t, worker: "w", tokensUsed: 0, routes: ["any"]).next
            if let c = current { order.append(c.gid) }
        }
        XCTAssertEqual(order, ["f/b", "f/c", "g/later"], "a far deadline gives no boost")
    }

    func testPlanDeadlineReachesTheScheduler() throws {
        let plan = try PlanLoader().load(text: """
            feature: f
            tasks:
              - id: a
                type: script
                command: "true"
                deadline: 2031-01-02T03:04:05Z
            """)
        let record = TaskRecord(spec: plan.feature.tasks[0], repo: nil)
        XCTAssertEqual(record.deadlineMs, 1_925_089_445_000)
        let s = try freshScheduler()
        _ = try s.submit(plan: plan)
        XCTAssertEqual(try s.taskFields("f/a")["deadline"], "1925089445000")
        XCTAssertEqual(try s.redis.send("ZSCORE", s.keys.prefix + "deadlines", "f/a").string, "1925089445000")
    }
}
