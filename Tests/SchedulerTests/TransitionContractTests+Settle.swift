import RedisKit
@testable import Scheduler
import SwarmSupport
import XCTest

/// Contracts of `complete`, `fail`, `reject_spec`, `resolve` and `cancel` (see
/// `TransitionContractTests`).
final class SettleContractTests: XCTestCase {
    /// Feature `f`: `f/a` (artifact `src/a/`, estimate 10, `retries`) running on worker `w1`,
    /// `f/b` blocked on it. Budget 1000.
    private func running(_ s: SchedulerClient, retries: Int = 0) throws -> StartedTask {
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop", budget: 10, retries: retries, artifacts: ["src/a/"]),
                           TaskRecord(gid: "f/b", type: "noop", dependsOn: ["f/a"])], budget: 1000)
        try s.register(WorkerRegistration(id: "w1", host: "h", pid: 1, capabilities: [], routes: ["any"], agents: []))
        return try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
    }

    /// What settling `f/a` always changes: its lease, locks, type slot and reservation, and its
    /// worker goes idle. (`updated` reads `<now>` before and after, so it shows no change.)
    private let released: KeyChanges = [
        "leases": ["f/a": gone],
        "locks": ["src/a/": gone],
        "lock_owners": ["src/a/": gone],
        "running:noop": ["": "0"],
        "worker:w1": ["task": "", "state": "idle"],
        "budget:f": ["reserved": "0"],
    ]

    private func stale(_ s: SchedulerClient, _ function: String, _ args: [any RedisArgument], action: String) throws {
        let (reply, diff) = try s.changes { try s.fcall(function, args) }
        XCTAssertEqual(replyFields(reply)["ok"], "0")
        XCTAssertTrue(replyFields(reply)["refusal"]?.hasPrefix("stale: task is") == true, "\(reply)")
        XCTAssertEqual(diff.keys.sorted(), ["events"], "a stale report only leaves its event")
        XCTAssertTrue(diff["events"]?.values.first?.hasPrefix("stale_refused f/a f worker=w9 action=\(action)") == true, "\(diff)")
    }

    func testCompleteSettlesSuccessReadiesDependentsAndAdmitsThem() throws {
        let s = try freshScheduler()
        let a = try running(s)
        try stale(s, "complete", ["f/a", 99, "w9", 0, "", ""], action: "complete")
        let (reply, diff) = try s.changes { try s.fcall("complete", ["f/a", a.token, "w1", 40, "all good", ""]) }
        XCTAssertEqual(replyFields(reply), ["ok": "1", "state": "succeeded"])
        var expected = released
        expected["running:noop"] = nil // released, then taken again by f/b
        assertChanges(diff, expected.merging([
            "task:f/a": ["state": "succeeded", "usage": "40", "result": "all good", "finished": "<now>"],
            "budget:f": ["reserved": "0", "used": "40"],
            "feature:f": ["remaining": "1"],
            "deps:f/b": ["": "0"],
            "task:f/b": ["state": "dispatched", "attempt": "1", "defer": "", "dispatched_at": "<now>", "worker": "", "token": ""],
            "leases": ["f/a": gone, "f/b": "<now>"],
            "q:any": ["0": "1:f/b"],
            "stats": ["running": "0", "succeeded": "1", "blocked": "0", "dispatched": "1"],
            "events": ["7": "succeeded f/a f state=succeeded from=running usage=40 worker=w1 attempt=1",
                       "8": "ready f/b f state=ready from=blocked",
                       "9": "dispatched f/b f state=dispatched from=ready attempt=1 route=any"],
        ]) { $1 })
    }

    func testCompleteAlsoStartsTheNextTaskAndNestsItsStartReply() throws {
        let s = try freshScheduler()
        let a = try running(s)
        let reply = try s.fcall("complete", ["f/a", a.token, "w1", 0, "", "any"])
        XCTAssertEqual(replyFields(reply), ["ok": "1", "state": "succeeded"])
        XCTAssertEqual(replyFields(try XCTUnwrap(reply.fieldMap["next"])),
                       ["started": "1", "gid": "f/b", "token": "1", "attempt": "1", "spec": "{}", "sig": "", "feature": "f"])
    }

    func testFailRetriesWithBackoffThenDeadLettersAndCascades() throws {
        let s = try freshScheduler()
        let a = try running(s, retries: 1)
        try stale(s, "fail", ["f/a", 99, "w9", "error", "boom", 0, 0.5, ""], action: "fail")
        let (reply, diff) = try s.changes { try s.fcall("fail", ["f/a", a.token, "w1", "error", "boom", 5, 0.5, "tail"]) }
        XCTAssertEqual(replyFields(reply), ["ok": "1", "state": "retrying", "retry_in_ms": "10"], "retry_base 10 ms, jitter unit 0.5 = none")
        assertChanges(diff, released.merging([
            "task:f/a": ["state": "retrying", "usage": "5", "error": "boom", "reason": "boom", "output": "tail", "finished": "<now>",
                         "failures": "1"],
            "budget:f": ["reserved": "0", "used": "5"],
            "delayed": ["f/a": "<now>"],
            "stats": ["running": "0", "retrying": "1"],
            "events": ["7": "retrying f/a f state=retrying from=running reason=boom retry_in_ms=10 failures=1 worker=w1"],
        ]) { $1 })
        // Its retries used up, the next failure dead-letters it and fails its dependent.
        var next: StartedTask?
        let deadline = Monotonic.now() + 5
        while next == nil, Monotonic.now() < deadline {
            try s.tick()
            next = try s.tryClaim(worker: "w1", routes: ["any"])
            if next == nil { sleepSeconds(0.005) }
        }
        let again = try XCTUnwrap(next, "the retry is due after 10 ms")
        let (last, dead) = try s.changes { try s.fcall("fail", ["f/a", again.token, "w1", "error", "boom again", 0, 0.5, ""]) }
        XCTAssertEqual(replyFields(last), ["ok": "1", "state": "failed", "retry_in_ms": "0"])
        assertChanges(dead, released.merging([
            "task:f/a": ["state": "failed", "usage": "0", "error": "boom again", "reason": "boom again", "output": "",
                         "failures": "2"],
            "task:f/b": ["state": "upstream_failed", "reason": "dependency f/a failed"],
            "dead": ["0": "f/a"],
            "feature:f": ["state": "failing"],
            "stats": ["running": "0", "failed": "1", "blocked": "0", "upstream_failed": "1"],
            "events": ["11": "failed f/a f state=failed from=running reason=boom again attempt=2",
                       "12": "upstream_failed f/b f state=upstream_failed from=blocked reason=dependency f/a failed"],
        ]) { $1 })
    }

    func testFailOfKindHumanParksTheTask() throws {
        let s = try freshScheduler()
        let a = try running(s)
        let (reply, diff) = try s.changes { try s.fcall("fail", ["f/a", a.token, "w1", "human", "tests failed", 0, 0.5, ""]) }
        XCTAssertEqual(replyFields(reply), ["ok": "1", "state": "needs_human", "retry_in_ms": "0"])
        assertChanges(diff, released.merging([
            "task:f/a": ["state": "needs_human", "usage": "0", "error": "tests failed", "reason": "tests failed", "output": "",
                         "finished": "<now>"],
            "human": ["f/a": "<now>"],
            "stats": ["running": "0", "needs_human": "1"],
            "events": ["6": "needs_human f/a f state=needs_human from=running reason=tests failed worker=w1"],
        ]) { $1 })
    }

    func testRejectSpecParksTheTaskAndRecordsTheRefusal() throws {
        let s = try freshScheduler()
        let a = try running(s)
        try stale(s, "reject_spec", ["f/a", 99, "w9", "bad signature"], action: "reject_spec")
        let (reply, diff) = try s.changes { try s.fcall("reject_spec", ["f/a", a.token, "w1", "bad signature"]) }
        XCTAssertEqual(replyFields(reply), ["ok": "1", "state": "needs_human"])
        assertChanges(diff, released.merging([
            "task:f/a": ["state": "needs_human", "usage": "0", "error": "bad signature", "reason": "bad signature", "output": "",
                         "finished": "<now>"],
            "human": ["f/a": "<now>"],
            "stats": ["running": "0", "needs_human": "1"],
            "events": ["7": "spec_rejected f/a f reason=bad signature worker=w1",
                       "8": "needs_human f/a f state=needs_human from=running reason=bad signature worker=w1"],
        ]) { $1 })
    }

    func testResolveSettlesByHandAndRefusesWithCodes() throws {
        let s = try freshScheduler()
        let a = try running(s)
        try s.fail(a, worker: "w1", kind: .error, reason: "boom")
        XCTAssertEqual(refusalCode { try s.fcall("resolve", ["f/none", "done", ""]) }, "NOTASK")
        XCTAssertEqual(refusalCode { try s.fcall("resolve", ["f/a", "maybe", ""]) }, "BADACTION")
        try s.redis.send("HSET", s.keys.task("f/x"), "state", "weird", "feature", "f", "type", "noop", "route", "any")
        XCTAssertEqual(refusalCode { try s.fcall("resolve", ["f/x", "done", ""]) }, "CORRUPT")
        let (reply, diff) = try s.changes { try s.fcall("resolve", ["f/a", "pending", "try again"]) }
        XCTAssertEqual(reply.string, "ready")
        assertChanges(diff, [
            "task:f/a": ["state": "dispatched", "notes": "try again", "failures": "0", "attempt": "2", "token": "", "worker": ""],
            "task:f/b": ["state": "blocked", "reason": ""],
            "dead": ["0": gone],
            "lock_owners": ["src/a/": "f/a"],
            "locks": ["src/a/": "0"],
            "leases": ["f/a": "<now>"],
            "q:any": ["0": "2:f/a"],
            "running:noop": ["": "1"],
            "budget:f": ["reserved": "10"],
            "stats": ["failed": "0", "upstream_failed": "0", "blocked": "1", "dispatched": "1"],
            "events": ["9": "ready f/a f state=ready from=failed reason=resolved pending: try again",
                       "10": "blocked f/b f state=blocked from=upstream_failed reason=revived waiting_for=1",
                       "11": "dispatched f/a f state=dispatched from=ready attempt=2 route=any"],
        ])
        XCTAssertEqual(refusalCode { try s.fcall("resolve", ["f/a", "done", ""]) }, "BADSTATE")
    }

    func testCancelStopsARunningTaskAndCascadesOrRefusesWithCodes() throws {
        let s = try freshScheduler()
        _ = try running(s)
        XCTAssertEqual(refusalCode { try s.fcall("cancel", ["task", "f/none", "x"]) }, "NOTASK")
        XCTAssertEqual(refusalCode { try s.fcall("cancel", ["feature", "nof", "x"]) }, "NOFEATURE")
        let (reply, diff) = try s.changes { try s.fcall("cancel", ["task", "f/a", "not needed"]) }
        XCTAssertEqual(reply.int, 1)
        assertChanges(diff, released.merging([
            "task:f/a": ["state": "cancelled", "reason": "not needed"],
            "task:f/b": ["state": "upstream_failed", "reason": "dependency f/a failed"],
            "stats": ["running": "0", "cancelled": "1", "blocked": "0", "upstream_failed": "1"],
            "events": ["6": "cancelled f/a f state=cancelled from=running reason=not needed",
                       "7": "upstream_failed f/b f state=upstream_failed from=blocked reason=dependency f/a failed"],
        ]) { $1 })
        let (again, rest) = try s.changes { try s.fcall("cancel", ["feature", "f", "x"]) }
        XCTAssertEqual(again.int, 1, "f/a is final; f/b (upstream_failed) is not")
        assertChanges(rest, [
            "task:f/b": ["state": "cancelled", "reason": "x"],
            "feature:f": ["state": "cancelled"],
            "stats": ["cancelled": "2", "upstream_failed": "0"],
            "events": ["8": "cancelled f/b f state=cancelled from=upstream_failed reason=x"],
        ])
    }
}
