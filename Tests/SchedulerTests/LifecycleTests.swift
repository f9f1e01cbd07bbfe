import RedisKit
@testable import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest

final class LifecycleTests: XCTestCase {
    func testChainMovesThroughCompleteWithoutSchedulerRoundTrip() throws {
        let s = try freshScheduler()
        try s.submitTasks([
            TaskRecord(gid: "f/a", type: "noop"),
            TaskRecord(gid: "f/b", type: "noop", dependsOn: ["f/a"]),
            TaskRecord(gid: "f/c", type: "noop", dependsOn: ["f/b"]),
        ])
        XCTAssertEqual(try s.state(of: "f/a"), "dispatched", "submit admits ready tasks at once")
        XCTAssertEqual(try s.state(of: "f/b"), "blocked")
        for expected in ["f/a", "f/b", "f/c"] {
            let t = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]), "nothing to claim for \(expected)")
            XCTAssertEqual(t.gid, expected)
            XCTAssertEqual(try s.state(of: expected), "running")
            XCTAssertEqual(try s.complete(t, worker: "w1", tokensUsed: 0), .succeeded)
        }
        XCTAssertEqual(try s.stateCounts(), ["succeeded": 3])
        let types = try s.allEvents().map { $0["type"] ?? "" }
        XCTAssertEqual(types.last, "feature_succeeded")
    }

    func testStaleTokenIsRefusedAndReported() throws {
        let s = try freshScheduler { $0.runLease = 0.05 }
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        let first = try XCTUnwrap(s.tryClaim(worker: "old", routes: ["any"]))
        sleepSeconds(0.1)
        let tick = try s.tick()
        XCTAssertEqual(tick.reaped, 1, "the expired run lease is reaped")
        let second = try XCTUnwrap(s.tryClaim(worker: "new", routes: ["any"]))
        XCTAssertEqual(second.gid, "f/a")
        XCTAssertEqual(second.attempt, 2)
        XCTAssertNotEqual(second.token, first.token)
        XCTAssertThrowsError(try s.complete(first, worker: "old", tokensUsed: 0)) { error in
            guard case SchedulerError.stale = error else { return XCTFail("\(error)") }
        }
        XCTAssertFalse(try s.heartbeat(worker: "old", task: first, load: LoadReport()) , "old worker lost the lease")
        XCTAssertEqual(try s.complete(second, worker: "new", tokensUsed: 0), .succeeded)
        let refused = try s.allEvents().filter { $0["type"] == "stale_refused" }
        XCTAssertEqual(refused.count, 1)
        XCTAssertEqual(refused.first?["worker"], "old")
    }

    func testRetryBackoffThenDeadLetterAndUpstreamFailed() throws {
        let s = try freshScheduler()
        try s.submitTasks([
            TaskRecord(gid: "f/a", type: "script", retries: 2),
            TaskRecord(gid: "f/b", type: "script", dependsOn: ["f/a"]),
            TaskRecord(gid: "f/c", type: "script", dependsOn: ["f/b"]),
        ])
        var states: [TaskState] = []
        for _ in 0..<3 {
            var t: StartedTask?
            let deadline = Monotonic.now() + 2
            while t == nil && Monotonic.now() < deadline {
                try s.tick()
                t = try s.tryClaim(worker: "w", routes: ["any"])
                if t == nil { sleepSeconds(0.01) }
            }
            let started = try XCTUnwrap(t)
            states.append(try s.fail(started, worker: "w", kind: .error, reason: "exit 1"))
        }
        XCTAssertEqual(states, [.retrying, .retrying, .failed])
        XCTAssertEqual(try s.state(of: "f/b"), "upstream_failed")
        XCTAssertEqual(try s.state(of: "f/c"), "upstream_failed")
        XCTAssertEqual(try s.redis.send("LRANGE", s.keys.dead, 0, -1).array?.compactMap(\.string), ["f/a"])

        // Resolving the failure as pending revives the downstream tasks.
        XCTAssertEqual(try s.resolve("f/a", .pending, notes: "fixed the flaky test"), .ready)
        XCTAssertEqual(try s.state(of: "f/b"), "blocked")
        XCTAssertEqual(try s.state(of: "f/c"), "blocked")
        for gid in ["f/a", "f/b", "f/c"] {
            let t = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]), gid)
            XCTAssertEqual(t.gid, gid)
            try s.complete(t, worker: "w", tokensUsed: 0)
        }
        XCTAssertEqual(try s.stateCounts(), ["succeeded": 3])
    }

    func testNeedsHumanAndResolveDone() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "backend"), TaskRecord(gid: "f/b", type: "docs", dependsOn: ["f/a"])])
        let t = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        XCTAssertEqual(try s.fail(t, worker: "w", kind: .human, reason: "acceptance test `swift test` failed"), .needsHuman)
        XCTAssertEqual(try s.taskFields("f/a")["reason"], "acceptance test `swift test` failed")
        XCTAssertEqual(try s.state(of: "f/b"), "blocked", "a needs_human task does not fail its dependents")
        XCTAssertEqual(try s.resolve("f/a", .done, notes: "fixed by hand"), .succeeded)
        XCTAssertEqual(try s.state(of: "f/b"), "dispatched")
    }

    func testResolveErrorsAreClear() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        XCTAssertThrowsError(try s.resolve("f/nope", .done)) { error in
            guard case let SchedulerError.refused(.noTask, m) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("no task f/nope"), m)
        }
        XCTAssertThrowsError(try s.resolve("f/a", .done)) { error in
            guard case let SchedulerError.refused(.badState, m) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("is dispatched"), m)
        }
    }

    func testDuplicateSubmitCreatesOneFeature() throws {
        let s = try freshScheduler()
        let tasks = [TaskRecord(gid: "f/a", type: "noop")]
        XCTAssertEqual(try s.submitTasks(tasks).outcome, .created)
        let again = try s.submitTasks(tasks)
        XCTAssertEqual(again.outcome, .duplicate)
        XCTAssertEqual(again.created, 0)
        XCTAssertEqual(try s.redis.send("SCARD", s.keys.features).int, 1)
        XCTAssertThrowsError(try s.submit(feature: "f", description: "other plan", budget: 0, idempotencyKey: "other", tasks: tasks)) { error in
            guard case SchedulerError.refused(.featureExists, _) = error else { return XCTFail("\(error)") }
        }
    }

    func testCancelFeatureStopsEverything() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop"), TaskRecord(gid: "f/b", type: "noop", dependsOn: ["f/a"])])
        let t = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        XCTAssertEqual(try s.cancel("f", feature: true), 2)
        XCTAssertEqual(try s.state(of: "f/a"), "cancelled")
        XCTAssertEqual(try s.state(of: "f/b"), "cancelled")
        XCTAssertFalse(try s.heartbeat(worker: "w", task: t, load: LoadReport()))
        XCTAssertThrowsError(try s.complete(t, worker: "w", tokensUsed: 0))
    }

    func testWorkerDeathRequeuesItsTaskAtOnce() throws {
        let s = try freshScheduler()
        try s.register(WorkerRegistration(id: "w1", host: "h", pid: 1, capabilities: [], routes: ["any"], agents: []))
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        let t = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        XCTAssertTrue(try s.requeueWorker("w1", reason: "exited with signal 9"))
        XCTAssertEqual(try s.state(of: "f/a"), "dispatched", "requeued and admitted in the same call")
        let again = try XCTUnwrap(s.tryClaim(worker: "w2", routes: ["any"]))
        XCTAssertEqual(again.gid, t.gid)
        XCTAssertEqual(again.attempt, 2)
        XCTAssertTrue(try s.allEvents().contains { $0["type"] == "worker_died" && $0["worker"] == "w1" })
    }

    func testCompleteAlsoStartsTheWorkersNextTask() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop"), TaskRecord(gid: "f/b", type: "noop"),
                           TaskRecord(gid: "f/c", type: "noop", dependsOn: ["f/a", "f/b"])])
        let a = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        let (state, next) = try s.completeAndClaim(a, worker: "w", tokensUsed: 0, routes: ["any"])
        XCTAssertEqual(state, .succeeded)
        XCTAssertEqual(next?.gid, "f/b")
        XCTAssertEqual(try s.state(of: "f/b"), "running")
        let last = try s.completeAndClaim(try XCTUnwrap(next), worker: "w", tokensUsed: 0, routes: ["any"])
        XCTAssertEqual(last.next?.gid, "f/c", "readied by this very completion, admitted and started in the same call")
        XCTAssertNil(try s.completeAndClaim(try XCTUnwrap(last.next), worker: "w", tokensUsed: 0, routes: ["any"]).next)
        XCTAssertEqual(try s.stateCounts(), ["succeeded": 3])
    }

    func testConfigureTakesEffectDespiteTheFunctionsCache() throws {
        let s = try freshScheduler { $0.types["backend"] = .init(maxConcurrent: 1) }
        try s.submitTasks((0..<3).map { TaskRecord(gid: "f/t\($0)", type: "backend") })
        XCTAssertEqual(try s.stateCounts()["dispatched"], 1)
        var wider = SchedulerSettings()
        wider.types["backend"] = .init(maxConcurrent: 3)
        try s.configure(wider)
        try s.dispatch()
        XCTAssertEqual(try s.stateCounts()["dispatched"], 3, "the new limit is read at once")
    }

    func testLostTaskJumpsAFullQueue() throws {
        let s = try freshScheduler { $0.queueDepth = 2 }
        try s.submitTasks((0..<5).map { TaskRecord(gid: "f/t\($0)", type: "noop") })
        let first = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        try s.dispatch()
        XCTAssertEqual(try s.redis.send("LLEN", s.keys.queue("any")).int, 2, "the queue is full again")
        XCTAssertTrue(try s.requeueWorker("w1", reason: "killed"))
        XCTAssertEqual(try s.redis.send("LLEN", s.keys.queue("any")).int, 3, "recovered tasks pass the depth limit")
        XCTAssertEqual(try s.tryClaim(worker: "w2", routes: ["any"])?.gid, first.gid, "and run next")
    }

    func testCapabilityRouteWaitsForALiveWorker() throws {
        let s = try freshScheduler()
        let route = TaskRecord.route(machine: nil, requires: ["gpu", "linux"])
        XCTAssertEqual(route, "c:gpu,linux")
        try s.submitTasks([TaskRecord(gid: "f/train", type: "backend", route: route)])
        XCTAssertEqual(try s.state(of: "f/train"), "ready")
        XCTAssertEqual(try s.taskFields("f/train")["defer"], "no live worker serves route c:gpu,linux")
        let routes = try s.routes(forHost: "gpu-box", capabilities: ["linux", "gpu", "docker"])
        XCTAssertTrue(routes.contains(route))
        XCTAssertFalse(try s.routes(forHost: "cpu-box", capabilities: ["linux"]).contains(route))
        XCTAssertEqual(try s.register(WorkerRegistration(id: "g1", host: "gpu-box", pid: 1, capabilities: ["linux", "gpu"], routes: routes, agents: [])), 1)
        XCTAssertEqual(try s.tryClaim(worker: "g1", routes: routes)?.gid, "f/train")
    }
}
