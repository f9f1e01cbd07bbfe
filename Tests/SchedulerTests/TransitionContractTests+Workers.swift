import RedisKit
@testable import Scheduler
import XCTest

/// Contracts of `register`, `heartbeat`, `deregister` and `requeue_worker` (see
/// `TransitionContractTests`).
final class WorkerContractTests: XCTestCase {
    private let registration: [any RedisArgument] = ["w1", "h", 41, "git,swift", "any\nc:swift", "claude"]

    func testRegisterRecordsTheWorkerAndAdmitsTasksOfItsRoutes() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop", route: "c:swift")])
        let (reply, diff) = try s.changes { try s.fcall("register", registration) }
        XCTAssertEqual(reply.int, 1, "f/a's route now has a live worker")
        assertChanges(diff, [
            "worker:w1": ["id": "w1", "host": "h", "pid": "41", "capabilities": "git,swift", "routes": "any\nc:swift", "agents": "claude",
                          "state": "idle", "task": "", "registered": "<now>", "seen": "<now>", "overloaded": "0"],
            "workers": ["w1": "<now>"],
            "route_workers:any": ["w1": "<now>"],
            "route_workers:c:swift": ["w1": "<now>"],
            "task:f/a": ["state": "dispatched", "attempt": "1", "defer": "", "dispatched_at": "<now>", "worker": "", "token": ""],
            "ready:c:swift": ["f/a": gone],
            "q:c:swift": ["0": "1:f/a"],
            "leases": ["f/a": "<now>"],
            "running:noop": ["": "1"],
            "stats": ["ready": "0", "dispatched": "1"],
            "events": ["3": "worker_registered   worker=w1 host=h pid=41 capabilities=git,swift",
                       "4": "dispatched f/a f state=dispatched from=ready attempt=1 route=c:swift"],
        ])
    }

    func testHeartbeatRenewsTheLeaseOnlyForTheOwnerAndRefusesAnUnknownWorker() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        _ = try s.fcall("register", registration)
        let a = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        let (reply, diff) = try s.changes {
            try s.fcall("heartbeat", ["w1", "f/a", a.token, 0.5, 50.0, 40.0, 0.7, "1", ""])
        }
        XCTAssertEqual(reply.int, 1)
        assertChanges(diff, [
            "worker:w1": ["load": "0.5", "cpu": "50.0", "mem": "40.0", "loadavg": "0.7", "overloaded": "1"],
            "events": ["5": "worker_overloaded   worker=w1 cpu=50.0 mem=40.0"],
        ])
        XCTAssertEqual(try s.leaseLeftMs("f/a"), 15_000, accuracy: 1000, "the run lease, renewed")
        let (lost, none) = try s.changes { try s.fcall("heartbeat", ["w1", "f/a", 7, 0.5, 50.0, 40.0, 0.7, "1", ""]) }
        XCTAssertEqual(lost.int, 0, "a wrong token does not own the lease")
        assertChanges(none, [:], "seen and load are rewritten with the same values")
        let (refused, wrote) = try s.changes { refusalCode { try s.fcall("heartbeat", ["nobody", "", 0, 0, 0, 0, 0, "0", ""]) } }
        XCTAssertEqual(refused, "UNKNOWNWORKER")
        assertChanges(wrote, [:])
    }

    func testDeregisterStopsTheWorkerAndReturnsItsTaskAtOnce() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        _ = try s.fcall("register", registration)
        _ = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        let (reply, diff) = try s.changes { try s.fcall("deregister", ["w1", "shutdown"]) }
        XCTAssertEqual(reply.int, 1)
        assertChanges(diff, [
            "worker:w1": ["state": "stopped", "ended": "<now>", "task": ""],
            "workers": ["w1": gone],
            "route_workers:any": ["w1": gone],
            "route_workers:c:swift": ["w1": gone],
            "task:f/a": ["state": "dispatched", "lost": "1", "attempt": "2", "token": "", "worker": ""],
            "q:any": ["0": "2:f/a"],
            "stats": ["running": "0", "dispatched": "1"],
            "events": ["5": "ready f/a f state=ready from=running reason=worker w1 stopped worker=w1",
                       "6": "dispatched f/a f state=dispatched from=ready attempt=2 route=any",
                       "7": "worker_stopped   worker=w1 reason=shutdown"],
        ], "the task is back at the head of its queue at once, its slot and lease taken again")
    }

    func testRequeueWorkerDeclaresItDeadAndRequeuesItsTask() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        _ = try s.fcall("register", registration)
        _ = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        let (reply, diff) = try s.changes { try s.fcall("requeue_worker", ["w1", "killed by signal 9"]) }
        XCTAssertEqual(reply.int, 1)
        assertChanges(diff, [
            "worker:w1": ["state": "dead", "ended": "<now>", "task": ""],
            "workers": ["w1": gone],
            "route_workers:any": ["w1": gone],
            "route_workers:c:swift": ["w1": gone],
            "task:f/a": ["state": "dispatched", "lost": "1", "attempt": "2", "token": "", "worker": ""],
            "q:any": ["0": "2:f/a"],
            "stats": ["running": "0", "dispatched": "1"],
            "events": ["5": "ready f/a f state=ready from=running reason=worker w1 killed by signal 9 worker=w1",
                       "6": "dispatched f/a f state=dispatched from=ready attempt=2 route=any",
                       "7": "worker_died   worker=w1 reason=killed by signal 9"],
        ])
        let (again, none) = try s.changes { try s.fcall("requeue_worker", ["w1", "again"]) }
        XCTAssertEqual(again.int, 0, "nothing left to requeue")
        assertChanges(none, [:])
    }
}
