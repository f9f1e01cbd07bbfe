import RedisKit
@testable import Scheduler
import XCTest

/// Contracts of the merge queue's functions (`Merge.swift`) and of `note_event` and
/// `rate_headroom` (`Control/`); see `TransitionContractTests`.
final class MergeContractTests: XCTestCase {
    /// Feature `f`: `f/a` (artifact `src/a/`) and `f/b` completed with branches by worker `w1`,
    /// both `merging` on `f`'s queue, `f/c` blocked on `f/a`.
    private func queued(_ s: SchedulerClient) throws {
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop", artifacts: ["src/a/"]), TaskRecord(gid: "f/b", type: "noop"),
                           TaskRecord(gid: "f/c", type: "noop", dependsOn: ["f/a"])])
        for gid in ["f/a", "f/b"] {
            let t = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
            XCTAssertEqual(t.gid, gid)
            let (state, _) = try s.completeAndClaim(t, worker: "w1", tokensUsed: 0, routes: [],
                                                    branch: TaskBranch(name: "swarm-task/\(gid)", commit: "c-\(gid)"))
            XCTAssertEqual(state, .merging)
        }
    }

    func testMergeNextHandsTheHeadToOneMergerAndMergedSettlesIt() throws {
        let s = try freshScheduler()
        try queued(s)
        let (reply, diff) = try s.changes { try s.fcall("merge_next", ["f", "tok1", "w1", 30_000]) }
        XCTAssertEqual(replyFields(reply), ["claimed": "1", "gid": "f/a", "attempt": "1", "spec": "{}", "sig": "", "feature": "f",
                                            "branch": "swarm-task/f/a", "commit": "c-f/a"])
        assertChanges(diff, [
            "merge_lock:f": ["": "tok1"],
            "events": ["12": "merge_started f/a f worker=w1 branch=swarm-task/f/a commit=c-f/a"],
        ])
        XCTAssertEqual(replyFields(try s.fcall("merge_next", ["f", "tok2", "w2", 30_000])),
                       ["claimed": "0", "status": "busy", "holder": "tok1"])
        let (stale, refusedDiff) = try s.changes { try s.fcall("merged", ["f/a", "tok2", "m1", "fast-forward", "w2"]) }
        XCTAssertEqual(replyFields(stale)["ok"], "0")
        XCTAssertEqual(refusedDiff.keys.sorted(), ["events"], "a stale merger only leaves its event")
        let (merged, mergedDiff) = try s.changes { try s.fcall("merged", ["f/a", "tok1", "m1", "fast-forward", "w1"]) }
        XCTAssertEqual(replyFields(merged), ["ok": "1"])
        assertChanges(mergedDiff, [
            "merge_queue:f": ["0": "f/b", "1": gone],
            "locks": ["src/a/": gone],
            "lock_owners": ["src/a/": gone],
            "task:f/a": ["state": "succeeded", "merged_commit": "m1"],
            "feature:f": ["remaining": "2"],
            "deps:f/c": ["": "0"],
            "task:f/c": ["state": "dispatched", "attempt": "1", "defer": "", "dispatched_at": "<now>", "worker": "", "token": ""],
            "q:any": ["0": "1:f/c"],
            "leases": ["f/c": "<now>"],
            "running:noop": ["": "1"],
            "stats": ["merging": "1", "succeeded": "1", "blocked": "0", "dispatched": "1"],
            "events": ["14": "merged f/a f commit=m1 branch=swarm-task/f/a how=fast-forward worker=w1",
                       "15": "succeeded f/a f state=succeeded from=merging merged_commit=m1 worker=w1 attempt=1",
                       "16": "ready f/c f state=ready from=blocked",
                       "17": "dispatched f/c f state=dispatched from=ready attempt=1 route=any"],
        ], "the lock stays the merger's until it asks for the next head")
    }

    func testMergeConflictAndMergeStopParkTheHeadAndStopTheQueue() throws {
        let s = try freshScheduler()
        try queued(s)
        _ = try s.fcall("merge_next", ["f", "tok", "w1", 30_000])
        let (conflict, conflictDiff) = try s.changes {
            try s.fcall("merge_conflict", ["f/a", "tok", "src/a/x.swift\nsrc/a/y.swift", "merge conflict", "w1"])
        }
        XCTAssertEqual(replyFields(conflict), ["ok": "1"])
        assertChanges(conflictDiff, [
            "merge_queue:f": ["0": "f/b", "1": gone],
            "locks": ["src/a/": gone],
            "lock_owners": ["src/a/": gone],
            "task:f/a": ["state": "needs_human", "reason": "merge conflict", "conflict_files": "src/a/x.swift\nsrc/a/y.swift"],
            "human": ["f/a": "<now>"],
            "stats": ["merging": "1", "needs_human": "1"],
            "events": ["13": "merge_conflict f/a f files=src/a/x.swift\nsrc/a/y.swift branch=swarm-task/f/a commit=c-f/a worker=w1",
                       "14": "needs_human f/a f state=needs_human from=merging reason=merge conflict files=src/a/x.swift\nsrc/a/y.swift branch=swarm-task/f/a"],
        ])
        XCTAssertEqual(replyFields(try s.fcall("merge_next", ["f", "tok", "w1", 30_000]))["gid"], "f/b")
        let (stop, stopDiff) = try s.changes { try s.fcall("merge_stop", ["f/b", "tok", "m2", "integration tests failed", "w1"]) }
        XCTAssertEqual(replyFields(stop), ["ok": "1"])
        assertChanges(stopDiff, [
            "merge_queue:f": ["0": gone],
            "merge_lock:f": ["": gone],
            "feature:f": ["merges_stopped": "integration tests failed", "merges_stopped_by": "f/b"],
            "task:f/b": ["state": "needs_human", "reason": "integration tests failed", "merged_commit": "m2"],
            "human": ["f/b": "<now>"],
            "stats": ["merging": "0", "needs_human": "2"],
            "events": ["16": "merges_stopped f/b f reason=integration tests failed merged_commit=m2 worker=w1",
                       "17": "needs_human f/b f state=needs_human from=merging reason=integration tests failed merged_commit=m2"],
        ])
        XCTAssertEqual(replyFields(try s.fcall("merge_next", ["f", "tok", "w1", 30_000])),
                       ["claimed": "0", "status": "stopped", "reason": "integration tests failed"])
    }

    func testMergeLockRenewUnlockAndOrphans() throws {
        let s = try freshScheduler()
        try queued(s)
        XCTAssertEqual(try s.fcall("merge_orphans", [0]).array?.compactMap(\.string), ["f"], "queued, nobody holds the lock")
        _ = try s.fcall("merge_next", ["f", "tok", "w1", 30_000])
        XCTAssertEqual(try s.fcall("merge_orphans", [0]).array?.count, 0, "a live merger holds it")
        XCTAssertEqual(try s.fcall("merge_renew", ["f", "other", 30_000]).int, 0)
        let (renewed, renewDiff) = try s.changes { try s.fcall("merge_renew", ["f", "tok", 60_000]) }
        XCTAssertEqual(renewed.int, 1)
        assertChanges(renewDiff, [:], "only the lock's expiry moves")
        XCTAssertEqual(try s.redis.send("PTTL", s.keys.prefix + "merge_lock:f").int ?? 0, 60_000, accuracy: 1000)
        XCTAssertEqual(try s.fcall("merge_unlock", ["f", "other"]).int, 0)
        let (unlocked, unlockDiff) = try s.changes { try s.fcall("merge_unlock", ["f", "tok"]) }
        XCTAssertEqual(unlocked.int, 1)
        assertChanges(unlockDiff, ["merge_lock:f": ["": gone]])
    }

    func testNoteEventWritesOnlyOrchestratorEvents() throws {
        let s = try freshScheduler()
        let (reply, diff) = try s.changes { try s.fcall("note_event", ["workers_clamped", "asked", 9, "max_workers", 4]) }
        XCTAssertEqual(reply.int, 1)
        assertChanges(diff, ["events": ["0": "workers_clamped   asked=9 max_workers=4"]])
        let (code, none) = try s.changes { refusalCode { try s.fcall("note_event", ["succeeded", "task", "f/a"]) } }
        XCTAssertEqual(code, "BADEVENT")
        assertChanges(none, [:])
    }

    func testRateHeadroomReadsEachLimitedTypeWithoutWriting() throws {
        let s = try freshScheduler {
            $0.types["slow"] = .init(maxConcurrent: 2, ratePerSecond: 0.5, burst: 3)
            $0.types["capped"] = .init(maxConcurrent: 1)
        }
        let (reply, diff) = try s.changes { try s.fcall("rate_headroom", []) }
        XCTAssertEqual((reply.array ?? []).map(replyFields), [
            ["type": "capped", "per_second": "0", "burst": "1", "available": "-1", "running": "0", "max_concurrent": "1"],
            ["type": "slow", "per_second": "0.5", "burst": "3", "available": "3", "running": "0", "max_concurrent": "2"],
        ])
        assertChanges(diff, [:])
    }
}
