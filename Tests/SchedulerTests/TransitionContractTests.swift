import RedisKit
@testable import Scheduler
import XCTest

/// One test per Redis function of the library (this file and its `+` siblings): seed the keys,
/// call the function directly, check its exact reply, and the end state of every key it
/// touched (``KeyChanges``: what changed, nothing else). Refusals: the exact error code, and that
/// nothing was written. These are the contracts above each `register(…)` in the Lua, as tests.
final class TransitionContractTests: XCTestCase {
    /// Arguments of one task for `submit_tasks`.
    static func task(_ gid: String, deps: String = "", artifacts: String = "", retries: Int = 0) -> [any RedisArgument] {
        [gid, "noop", "any", "0", "0", "\(retries)", deps, artifacts, "{}", "", ""]
    }

    func testSubmitFeatureCreatesTheFeatureOnceAndRefusesBadInput() throws {
        let s = try freshScheduler()
        let (reply, diff) = try s.changes { try s.fcall("submit_feature", ["f", "key", "desc", 1000, 2]) }
        XCTAssertEqual(replyFields(reply), ["outcome": "created", "feature": "f"])
        assertChanges(diff, [
            "feature:f": ["id": "f", "description": "desc", "budget": "1000", "total": "2", "submitted": "0", "remaining": "2",
                          "state": "running", "created": "<now>", "idempotency_key": "key"],
            "budget:f": ["limit": "1000", "reserved": "0", "used": "0"],
            "idem:key": ["": "f"],
            "features": ["f": ""],
            "events": ["0": "feature_submitted  f tasks=2 budget=1000 description=desc"],
        ])
        let (again, none) = try s.changes { try s.fcall("submit_feature", ["f", "key", "desc", 1000, 2]) }
        XCTAssertEqual(replyFields(again), ["outcome": "resume", "feature": "f"], "fewer tasks than planned: resume")
        assertChanges(none, [:])
        _ = try s.fcall("submit_tasks", ["f"] + Self.task("f/a") + Self.task("f/b"))
        XCTAssertEqual(replyFields(try s.fcall("submit_feature", ["other-id", "key", "", 0, 2])), ["outcome": "duplicate", "feature": "f"])

        for (args, code) in [(["f", "another-key", "", 0, 1], "FEATUREEXISTS"), (["bad id", "k2", "", 0, 1], "BADINPUT"),
                             (["g", "", "", 0, 1], "BADINPUT"), (["g", "k3", "", "1e17", 1], "BADINPUT"),
                             (["g", "k4", "", 0, "-1"], "BADINPUT")] as [([any RedisArgument], String)] {
            let (refused, wrote) = try s.changes { refusalCode { try s.fcall("submit_feature", args) } }
            XCTAssertEqual(refused, code, "\(args)")
            assertChanges(wrote, [:])
        }
    }

    func testSubmitTasksCreatesReadiesBlocksAndAdmitsInOneCall() throws {
        let s = try freshScheduler()
        _ = try s.fcall("submit_feature", ["f", "key", "", 0, 2])
        let (reply, diff) = try s.changes {
            try s.fcall("submit_tasks", ["f"] + Self.task("f/a", artifacts: "src/a/") + Self.task("f/b", deps: "f/a"))
        }
        XCTAssertEqual(replyFields(reply), ["created": "2", "skipped": "0", "admitted": "1"])
        let record = ["feature": "f", "type": "noop", "route": "any", "priority": "0", "budget": "0", "retries": "0",
                      "spec": "{}", "sig": "", "attempt": "0", "failures": "0", "lost": "0", "created": "<now>", "blimit": "0",
                      "deadline": "", "updated": "<now>"]
        assertChanges(diff, [
            "task:f/a": record.merging(["deps": "", "artifacts": "src/a/", "state": "dispatched", "attempt": "1", "defer": "",
                                        "dispatched_at": "<now>", "worker": "", "token": ""]) { $1 },
            "task:f/b": record.merging(["deps": "f/a", "artifacts": "", "state": "blocked"]) { $1 },
            "deps:f/a": ["": "0"],
            "deps:f/b": ["": "1"],
            "dependents:f/a": ["f/b": ""],
            "feature_tasks:f": ["f/a": "", "f/b": ""],
            "routes": ["any": ""],
            "config_version": ["": "r<now>-1"],
            "route_epoch": ["": "1"],
            "q:any": ["0": "1:f/a"],
            "leases": ["f/a": "<now>"],
            "locks": ["src/a/": "0"],
            "lock_owners": ["src/a/": "f/a"],
            "running:noop": ["": "1"],
            "feature:f": ["submitted": "2"],
            "stats": ["blocked": "1", "dispatched": "1"],
            "wake": ["0": "1"],
            "events": ["1": "ready f/a f state=ready from=",
                       "2": "blocked f/b f state=blocked from= waiting_for=1",
                       "3": "dispatched f/a f state=dispatched from=ready attempt=1 route=any"],
        ])
        let (again, more) = try s.changes { try s.fcall("submit_tasks", ["f"] + Self.task("f/a")) }
        XCTAssertEqual(replyFields(again), ["created": "0", "skipped": "1", "admitted": "0"], "an existing task is skipped")
        assertChanges(more, [:])

        var bad = Self.task("f/c")
        bad[3] = "12.5"
        for (args, code) in [(["f", "f/c"], "BADINPUT"), (["g"] + Self.task("g/a"), "BADINPUT"), (["f"] + Self.task("g/a"), "BADINPUT"),
                             (["f"] + Self.task("f/d") + bad, "BADINPUT")] as [([any RedisArgument], String)] {
            let (refused, wrote) = try s.changes { refusalCode { try s.fcall("submit_tasks", args) } }
            XCTAssertEqual(refused, code, "\(args)")
            assertChanges(wrote, [:])
        }
    }
}
