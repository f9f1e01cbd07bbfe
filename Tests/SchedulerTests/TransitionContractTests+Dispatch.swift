import RedisKit
@testable import Scheduler
import XCTest

/// Contracts of `dispatch`, `start` and `tick` (see `TransitionContractTests`).
final class DispatchContractTests: XCTestCase {
    /// Feature `f` with `tasks` (gid, type) submitted while draining, so they all stay ready.
    private func readyTasks(_ s: SchedulerClient, _ tasks: [(String, String)]) throws {
        try s.setDraining(true)
        try s.submitTasks(tasks.map { TaskRecord(gid: $0.0, type: $0.1) })
        try s.setDraining(false)
    }

    func testDispatchAdmitsInScoreOrderAndDefersARateLimitedTaskWithItsWait() throws {
        let s = try freshScheduler { $0.types["slow"] = .init(ratePerSecond: 0.001, burst: 1) }
        try readyTasks(s, [("f/a", "noop"), ("f/s1", "slow"), ("f/s2", "slow")])
        let (reply, diff) = try s.changes { try s.fcall("dispatch", [256, 1024]) }
        XCTAssertEqual(replyFields(reply), ["admitted": "2", "wait_ms": "1000000"], "1/rate = 10^6 ms until f/s2 may start")
        // (`updated` reads <now> before and after, so it shows no change.)
        let admitted = ["state": "dispatched", "attempt": "1", "defer": "", "dispatched_at": "<now>", "worker": "", "token": ""]
        assertChanges(diff, [
            "task:f/a": admitted,
            "task:f/s1": admitted,
            "task:f/s2": ["defer": "type slow is rate limited"],
            "ready:any": ["f/a": gone, "f/s1": gone],
            "q:any": ["0": "1:f/a", "1": "1:f/s1"],
            "leases": ["f/a": "<now>", "f/s1": "<now>"],
            "running:noop": ["": "1"],
            "running:slow": ["": "1"],
            "rate:slow": ["": "<now>"],
            "stats": ["ready": "1", "dispatched": "2"],
            "events": ["4": "dispatched f/a f state=dispatched from=ready attempt=1 route=any",
                       "5": "dispatched f/s1 f state=dispatched from=ready attempt=1 route=any",
                       "6": "deferred f/s2 f reason=type slow is rate limited"],
        ])
        XCTAssertEqual(try s.leaseLeftMs("f/a"), 10_000, accuracy: 1000, "the dispatch lease")
        let (again, quiet) = try s.changes { try s.fcall("dispatch", [256, 1024]) }
        XCTAssertEqual(replyFields(again)["admitted"], "0")
        assertChanges(quiet, [:], "the same deferral reason is not repeated")
    }

    func testStartTurnsAQueueItemIntoARunningTaskOrRefusesIt() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop", specJSON: #"{"id":"a"}"#, signature: "sig-a")])
        let item = try XCTUnwrap(try s.redis.send("LPOP", s.keys.queue("any")).string)
        XCTAssertEqual(item, "1:f/a")
        let (reply, diff) = try s.changes { try s.fcall("start", [item, "w1"]) }
        XCTAssertEqual(replyFields(reply), ["started": "1", "gid": "f/a", "token": "1", "attempt": "1", "spec": #"{"id":"a"}"#,
                                            "sig": "sig-a", "feature": "f"])
        assertChanges(diff, [
            "task:f/a": ["state": "running", "token": "1", "worker": "w1", "started_at": "<now>"],
            "worker:w1": ["task": "f/a", "state": "working", "task_started": "<now>"],
            "stats": ["dispatched": "0", "running": "1"],
            "events": ["3": "running f/a f state=running from=dispatched worker=w1 attempt=1"],
        ])
        XCTAssertEqual(try s.leaseLeftMs("f/a"), 15_000, accuracy: 1000, "the run lease")
        for (it, refusal) in [(item, "task is running at attempt 1"), ("garbage", "malformed queue item"), ("1:f/none", "no such task")] {
            let (r, none) = try s.changes { try s.fcall("start", [it, "w2"]) }
            XCTAssertEqual(replyFields(r), ["started": "0", "refusal": refusal])
            assertChanges(none, [:])
        }
    }

    func testTickPromotesReapsBuriesReportsDeadlinesAndSaysWhenToLookAgain() throws {
        let s = try freshScheduler()
        try s.register(WorkerRegistration(id: "w1", host: "h", pid: 1, capabilities: [], routes: ["any"], agents: []))
        try s.register(WorkerRegistration(id: "w2", host: "h", pid: 2, capabilities: [], routes: ["any"], agents: []))
        try s.submitTasks([TaskRecord(gid: "f/r", type: "noop", retries: 1)])
        try s.fail(try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"])), worker: "w1", kind: .error, reason: "flaky", jitterUnit: 0.5)
        _ = try s.submit(feature: "g", description: "", budget: 0, idempotencyKey: "g",
                     tasks: [TaskRecord(gid: "g/l", type: "noop"), TaskRecord(gid: "g/d", type: "noop", deadlineMs: 946_684_800_000)])
        // g/d ranks first (its deadline passed); both run on w1, whose record names the last, g/l.
        XCTAssertEqual(try s.tryClaim(worker: "w1", routes: ["any"])?.gid, "g/d")
        XCTAssertEqual(try s.tryClaim(worker: "w1", routes: ["any"])?.gid, "g/l")
        // Seeded: the retry is due, g/l's run lease expired, w2 went silent, g/d's deadline passed.
        try s.redis.send("ZADD", s.keys.delayed, 0, "f/r")
        try s.redis.send("ZADD", s.keys.leases, 0, "g/l")
        try s.redis.send("ZADD", s.keys.workers, 0, "w2")
        let (reply, diff) = try s.changes { try s.fcall("tick", [1000, 256, 1024]) }
        var fields = replyFields(reply)
        XCTAssertEqual(Int(fields.removeValue(forKey: "next_timer_ms") ?? "") ?? -1, 10_000, accuracy: 1000,
                       "the next lease or heartbeat is due in about 10 s")
        XCTAssertEqual(fields, ["promoted": "1", "reaped": "1", "dead_workers": "1", "admitted": "1", "deadlines_missed": "1"],
                       "admitted counts the dispatch pass (f/r); the reaped g/l went to the head of its queue on its own")
        assertChanges(diff, [
            "delayed": ["f/r": gone],
            "task:f/r": ["state": "dispatched", "attempt": "2", "token": "", "worker": ""],
            "task:g/l": ["state": "dispatched", "attempt": "2", "lost": "1", "token": "", "worker": ""],
            "worker:w1": ["state": "idle", "task": ""],
            "q:any": ["0": "2:g/l", "1": "2:f/r"],
            "leases": ["f/r": "<now>", "g/l": "<now>"],
            "running:noop": ["": "3"],
            "worker:w2": ["state": "dead", "ended": "<now>"],
            "workers": ["w2": gone],
            "route_workers:any": ["w2": gone],
            "deadlines": ["g/d": gone],
            "stats": ["retrying": "0", "running": "1", "dispatched": "2"],
            "events": ["14": "ready f/r f state=ready from=retrying reason=backoff over",
                       "15": "ready g/l g state=ready from=running reason=lease expired worker=w1",
                       "16": "dispatched g/l g state=dispatched from=ready attempt=2 route=any",
                       "17": "worker_died   worker=w2 reason=missed heartbeats for 10000 ms",
                       "18": "deadline_missed g/d g deadline=946684800000 task_state=running",
                       "19": "dispatched f/r f state=dispatched from=ready attempt=2 route=any"],
        ])
    }
}
