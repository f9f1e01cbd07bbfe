import Foundation
import Planner
import RedisKit
import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest
@testable import WorkerAgent

/// The claim loop alone (no heartbeat), against the test Redis.
final class ClaimLoopTests: XCTestCase {
    private struct Parts {
        let client: SchedulerClient
        let loop: ClaimLoop
        let dir: String
    }

    /// A configured namespace, a registered worker `cl-1` and its claim loop, started (the
    /// caller stops it). Claims block 0.2 s at a time.
    private func startLoop(namespace: String) throws -> Parts {
        let client = try SchedulerClient(redis: TestRedis.fresh(), namespace: namespace)
        try client.configure(SchedulerSettings())
        var settings = try WorkerSettings(config: .trustingTestSigner(), id: "cl-1", host: "testhost", environment: ["PATH": "/usr/bin:/bin"])
        settings.claimBlock = 0.2
        let routes = try client.routes(forHost: "testhost", capabilities: settings.capabilities)
        try client.register(WorkerRegistration(id: "cl-1", host: "testhost", pid: Int(getpid()), capabilities: settings.capabilities,
                                               routes: routes, agents: []))
        let state = WorkerState()
        state.withLock { $0.routes = routes }
        let logger = LogCapture().logger
        let connection = WorkerConnection(url: TestRedis.server.url, options: RedisOptions(), namespace: namespace)
        let reporter = Reporter(settings: settings, address: TestRedis.server.url.address, state: state, logger: logger)
        let loop = ClaimLoop(settings: settings, connection: connection, state: state, reporter: reporter, logger: logger)
        loop.start()
        return Parts(client: client, loop: loop, dir: try makeTemporaryDirectory(self))
    }

    /// Submits, as feature `feature`, tasks that each sleep `seconds`, then write `<id>.txt` in
    /// `p.dir`.
    private func submit(_ p: Parts, _ feature: String, _ ids: [String], sleeping seconds: Double = 0) throws {
        let records = try ids.map { id in
            let spec = TaskSpec(id: id, feature: feature, type: "script", executor: .script(command: "sleep \(seconds); echo ran > \(id).txt"),
                                retries: 0, timeout: 30, cwd: p.dir)
            return try TaskRecord(spec: spec, repo: nil).signed(by: testSigner, feature: feature)
        }
        _ = try p.client.submit(feature: feature, description: "", budget: 0, idempotencyKey: feature, tasks: records)
    }

    private func ran(_ p: Parts, _ id: String) -> Bool { FileManager.default.fileExists(atPath: p.dir + "/\(id).txt") }

    func testTheClaimLoopRunsWhatItClaimsAndClaimsNothingAfterStop() throws {
        let p = try startLoop(namespace: "cl1")
        defer { p.loop.stop(); _ = p.loop.wait(timeout: 30) }
        try submit(p, "fa", ["a"])
        XCTAssertTrue(eventually(timeout: 20) { (try? p.client.state(of: "fa/a")) == "succeeded" }, "the claim loop did not run a")
        XCTAssertTrue(ran(p, "a"))

        p.loop.stop()
        XCTAssertEqual(p.loop.wait(timeout: 5), .stopped, "an idle claim loop ends within a claim's block time of stop()")
        try submit(p, "fb", ["b"])
        sleepSeconds(0.6)  // three claim blocks: time enough for a loop still running to take b
        XCTAssertEqual(try p.client.state(of: "fb/b"), "dispatched", "a stopped claim loop claimed b")
        XCTAssertFalse(ran(p, "b"))
    }

    func testAStopWhileATaskRunsLetsItFinishAndBeReportedWithoutClaimingTheNext() throws {
        let p = try startLoop(namespace: "cl2")
        defer { p.loop.stop(); _ = p.loop.wait(timeout: 30) }
        try submit(p, "fx", ["x", "y"], sleeping: 0.5)
        XCTAssertTrue(eventually(timeout: 10) { ((try? p.client.stateCounts()) ?? [:])["running"] == 1 }, "nothing started")
        p.loop.stop()
        XCTAssertNil(p.loop.wait(timeout: 0), "the loop waits for its running task")
        XCTAssertEqual(p.loop.wait(timeout: 10), .stopped)
        let counts = try p.client.stateCounts()
        XCTAssertEqual(counts["succeeded"], 1, "the running task was not finished and reported: \(counts)")
        XCTAssertEqual(counts["dispatched"], 1, "the report claimed the next task after stop(): \(counts)")
        XCTAssertEqual([ran(p, "x"), ran(p, "y")].filter { $0 }.count, 1)
    }
}
