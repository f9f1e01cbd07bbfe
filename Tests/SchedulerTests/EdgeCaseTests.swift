import RedisKit
@testable import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest

final class EdgeCaseTests: XCTestCase {
    func testDependencyListedTwiceCountsOnce() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop"), TaskRecord(gid: "f/b", type: "noop", dependsOn: ["f/a", "f/a"])])
        let a = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        try s.complete(a, worker: "w", tokensUsed: 0)
        XCTAssertEqual(try s.state(of: "f/b"), "dispatched", "b must not wait for a second copy of a")
    }

    func testResolvingAFailedTaskAsFailedKeepsItDeadLettered() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        let a = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        XCTAssertEqual(try s.fail(a, worker: "w", kind: .error, reason: "boom"), .failed)
        XCTAssertEqual(try s.resolve("f/a", .failed), .failed)
        XCTAssertEqual(try s.redis.send("LRANGE", s.keys.dead, 0, -1).array?.compactMap(\.string), ["f/a"])
    }

    /// A worker that only went silent may still be running its task (cut off from Redis, on
    /// another host): the task is requeued when its lease expires, not when the worker is
    /// declared dead, so the worker has the rest of the lease to notice and kill it.
    func testSilentWorkersTaskIsRequeuedOnlyWhenItsLeaseExpires() throws {
        let s = try freshScheduler { $0.workerTTL = 0.05; $0.runLease = 0.6 }
        try s.register(WorkerRegistration(id: "w1", host: "h", pid: 1, capabilities: [], routes: ["any"], agents: []))
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        let t = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        sleepSeconds(0.1)
        XCTAssertEqual(try s.tick().deadWorkers, 1)
        XCTAssertEqual(try s.state(of: "f/a"), "running", "its lease still holds")
        sleepSeconds(0.6)
        XCTAssertEqual(try s.tick().reaped, 1)
        XCTAssertEqual(try s.state(of: "f/a"), "dispatched", "requeued once the lease expired")
        XCTAssertFalse(try s.heartbeat(worker: "w1", task: t, load: LoadReport()), "the old run must stop")
    }

    /// A silent worker that comes back within its lease keeps its task, and is its holder again
    /// (so a death seen by its supervisor requeues the task at once).
    func testSilentWorkerBackWithinItsLeaseKeepsItsTask() throws {
        let s = try freshScheduler { $0.workerTTL = 0.05; $0.runLease = 5 }
        try s.register(WorkerRegistration(id: "w1", host: "h", pid: 1, capabilities: [], routes: ["any"], agents: []))
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        let t = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        sleepSeconds(0.1)
        XCTAssertEqual(try s.tick().deadWorkers, 1)
        XCTAssertTrue(try s.heartbeat(worker: "w1", task: t, load: LoadReport()), "still its task")
        XCTAssertEqual(try s.redis.send("HGET", s.keys.worker("w1"), "task").string, "f/a")
        XCTAssertTrue(try s.requeueWorker("w1", reason: "was killed by signal 9"))
        XCTAssertEqual(try s.state(of: "f/a"), "dispatched")
    }

    func testDeadWorkerRejoinsAndLearnsItLostItsTask() throws {
        let s = try freshScheduler { $0.workerTTL = 0.05; $0.runLease = 0.05 }
        try s.register(WorkerRegistration(id: "w1", host: "h", pid: 1, capabilities: [], routes: ["any"], agents: []))
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        let t = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        sleepSeconds(0.1)
        XCTAssertEqual(try s.tick().deadWorkers, 1)
        XCTAssertEqual(try s.state(of: "f/a"), "dispatched", "its task was requeued")
        XCTAssertFalse(try s.heartbeat(worker: "w1", task: t, load: LoadReport()), "the old run must stop")
        XCTAssertEqual(try s.redis.send("HGET", s.keys.worker("w1"), "state").string, "idle")
        XCTAssertEqual(try s.redis.send("TTL", s.keys.worker("w1")).int, -1, "a live worker's record does not expire")
        XCTAssertNotNil(try s.redis.send("ZSCORE", s.keys.workers, "w1").string, "it is live again")
        XCTAssertTrue(try s.allEvents().contains { $0["type"] == "worker_rejoined" })
    }

    func testSettlingAnOldAttemptLeavesTheWorkersNewTaskAlone() throws {
        let s = try freshScheduler()
        try s.register(WorkerRegistration(id: "w1", host: "h", pid: 1, capabilities: [], routes: ["any"], agents: []))
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop", retries: 1), TaskRecord(gid: "f/b", type: "noop")])
        let a = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        XCTAssertEqual(try s.fail(a, worker: "w1", kind: .error, reason: "flaky"), .retrying)
        let b = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        XCTAssertEqual(b.gid, "f/b")
        sleepSeconds(0.05)
        try s.tick()   // a is ready again, then dispatched
        XCTAssertEqual(try s.cancel("f/a"), 1)
        XCTAssertEqual(try s.redis.send("HGET", s.keys.worker("w1"), "task").string, "f/b",
                       "cancelling a's new attempt must not mark w1 idle while it runs b")
        XCTAssertTrue(try s.requeueWorker("w1", reason: "killed"), "so w1's death still requeues b at once")
    }

    func testFirstHeartbeatEmitsNoRecoveryAndUnknownWorkerDiesQuietly() throws {
        let s = try freshScheduler()
        try s.register(WorkerRegistration(id: "w1", host: "h", pid: 1, capabilities: [], routes: ["any"], agents: []))
        _ = try s.heartbeat(worker: "w1", task: nil, load: LoadReport())
        XCTAssertFalse(try s.allEvents().contains { $0["type"] == "worker_recovered" })
        XCTAssertFalse(try s.requeueWorker("never-registered", reason: "exited"))
        XCTAssertFalse(try s.allEvents().contains { $0["type"] == "worker_died" })
        XCTAssertEqual(try s.redis.send("EXISTS", s.keys.worker("never-registered")).int, 0)
    }

    func testDeregisterReturnsAHeldTaskAtOnce() throws {
        let s = try freshScheduler()
        try s.register(WorkerRegistration(id: "w1", host: "h", pid: 1, capabilities: [], routes: ["any"], agents: []))
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        _ = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        try s.deregister(worker: "w1", reason: "stopped at once")
        XCTAssertEqual(try s.state(of: "f/a"), "dispatched")
        XCTAssertEqual(try s.tryClaim(worker: "w2", routes: ["any"])?.attempt, 2)
    }

    func testSpentBudgetHoldsEvenZeroEstimateTasks() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "backend", budget: 100),
                           TaskRecord(gid: "f/b", type: "noop", dependsOn: ["f/a"])], budget: 100)
        let a = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        XCTAssertEqual(try s.complete(a, worker: "w", tokensUsed: 100), .succeeded)
        XCTAssertEqual(try s.state(of: "f/b"), "ready")
        XCTAssertTrue(try s.taskFields("f/b")["defer"]?.hasPrefix("feature budget") ?? false)
    }

    func testAFullRouteDoesNotHideAnotherRoutesTasks() throws {
        let s = try freshScheduler { $0.queueDepth = 2; $0.dispatchScan = 10 }
        let gpu = TaskRecord.route(machine: nil, requires: ["gpu"])
        try s.register(WorkerRegistration(id: "g", host: "g", pid: 1, capabilities: ["gpu"], routes: ["any", gpu], agents: []))
        try s.submitTasks((0..<50).map { TaskRecord(gid: "f/t\($0)", type: "noop") } + [TaskRecord(gid: "f/train", type: "noop", route: gpu)])
        try s.tick(scan: 10)
        XCTAssertEqual(try s.state(of: "f/train"), "dispatched",
                       "48 blocked `any` tasks, more than a pass scans, must not hide the gpu task")
        XCTAssertEqual(try s.redis.send("LLEN", s.keys.queue("any")).int, 2)
    }

    func testSettingsReloadAfterKeysAreWipedWithoutTheFunctions() throws {
        let s = try freshScheduler { $0.types["backend"] = .init(maxConcurrent: 1) }
        try s.submitTasks([TaskRecord(gid: "f/x", type: "backend")])
        try s.redis.send("FLUSHALL")   // the library (and its cached settings) survive
        var wide = SchedulerSettings()
        wide.types["backend"] = .init(maxConcurrent: 2)
        try s.configure(wide)
        try s.submitTasks((0..<3).map { TaskRecord(gid: "f/t\($0)", type: "backend") })
        XCTAssertEqual(try s.stateCounts()["dispatched"], 2)
    }
}
