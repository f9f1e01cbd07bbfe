import Foundation
import Planner
import RedisKit
import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest
@testable import WorkerAgent

/// The reporter alone, against a private redis-server that is killed while it reports and
/// restarted from its append-only file.
final class ReporterTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        ignoreBrokenPipeSignal()
    }

    private let options = RedisOptions(connectTimeout: 0.5, commandTimeout: 1, reconnect: Backoff(base: 0.01, max: 0.05))

    private struct Parts {
        let server: RedisServerProcess
        let client: SchedulerClient
        let settings: WorkerSettings
        let routes: [String]
    }

    /// A private server (AOF, fsync always: a kill loses nothing), a configured namespace and a
    /// registered worker `rp-1`. The caller destroys the server.
    private func start() throws -> Parts {
        let server = RedisServerProcess(.init(directory: NSTemporaryDirectory() + "swarm-reporter-\(UUID().uuidString)",
                                              appendOnly: true, appendFsync: "always"))
        try server.start()
        let client = try SchedulerClient(redis: RedisConnection(url: server.url, options: options), namespace: "rp")
        try client.configure(SchedulerSettings())
        let settings = try WorkerSettings(config: .trustingTestSigner(), id: "rp-1", host: "testhost", environment: ["PATH": "/usr/bin:/bin"])
        let routes = try client.routes(forHost: "testhost", capabilities: settings.capabilities)
        try client.register(registration("rp-1", settings, routes))
        return Parts(server: server, client: client, settings: settings, routes: routes)
    }

    private func registration(_ id: String, _ settings: WorkerSettings, _ routes: [String]) -> WorkerRegistration {
        WorkerRegistration(id: id, host: "testhost", pid: Int(getpid()), capabilities: settings.capabilities, routes: routes, agents: [])
    }

    /// Submits task `rp/t` and claims it as `worker`.
    private func claimTask(_ p: Parts, as worker: String) throws -> StartedTask {
        let spec = TaskSpec(id: "t", feature: "rp", type: "script", executor: .script(command: "true"),
                            retries: 2, timeout: 30, cwd: NSTemporaryDirectory())
        _ = try p.client.submit(feature: "rp", description: "", budget: 0, idempotencyKey: "rp",
                                tasks: [TaskRecord(spec: spec, repo: nil).signed(by: testSigner, feature: "rp")])
        return try XCTUnwrap(try p.client.claim(worker: worker, routes: p.routes, blockSeconds: 2), "nothing to claim")
    }

    /// Kills the server, then, on another thread, restarts it once `logs` shows the report
    /// failing (or after 5 s) and, should `report` not return within 20 s more, stops the
    /// reporter so the test cannot hang. Runs `report` meanwhile.
    private func killRestartingWhenRefused(_ p: Parts, logs: LogCapture, reporter: Reporter, report: () -> Void) {
        p.server.kill()
        let reported = DispatchSemaphore(value: 0)
        let helperDone = DispatchSemaphore(value: 0)
        let server = p.server
        Thread {
            defer { helperDone.signal() }
            _ = eventually(timeout: 5) { logs.contains("reporting rp/t: Redis at", "failed") }
            try? server.start()
            if reported.wait(timeout: .now() + 20) == .timedOut { reporter.stop() }
        }.start()
        report()
        reported.signal()
        _ = helperDone.wait(timeout: .now() + 30)
    }

    func testTheReporterSendsTheReportAgainAfterRedisRestartsUntilItLands() throws {
        let p = try start()
        defer { p.server.destroy() }
        let task = try claimTask(p, as: "rp-1")
        let logs = LogCapture()
        let reporter = Reporter(settings: p.settings, address: p.server.url.address, state: WorkerState(), logger: logs.logger)
        var next: StartedTask?? = .none
        let started = Monotonic.now()
        killRestartingWhenRefused(p, logs: logs, reporter: reporter) {
            next = reporter.report(task, outcome: .succeeded(tokens: 7, result: "done"), client: p.client, nextRoutes: [])
        }
        XCTAssertLessThan(Monotonic.now() - started, 20, "the report did not land once Redis was back")
        XCTAssertEqual(next, .some(nil), "no next task was asked for")
        XCTAssertEqual(try p.client.state(of: "rp/t"), "succeeded")
        XCTAssertEqual(try p.client.taskFields("rp/t")["result"], "done")
        XCTAssertTrue(logs.contains("warning", "worker rp-1 reporting rp/t: Redis at", "failed"), "\(logs.all)")
        XCTAssertTrue(logs.contains("info", "answers again", "reported rp/t"), "\(logs.all)")
    }

    func testTheReporterStopsWhenTheTaskWasTakenOverWhileRedisWasAway() throws {
        let p = try start()
        defer { p.server.destroy() }
        let task = try claimTask(p, as: "rp-1")
        // rp-1 is declared gone and rp-2 runs the task now, with the next fencing token.
        try p.client.register(registration("rp-2", p.settings, p.routes))
        XCTAssertTrue(try p.client.requeueWorker("rp-1", reason: "test"))
        let taken = try XCTUnwrap(try p.client.claim(worker: "rp-2", routes: p.routes, blockSeconds: 2))
        XCTAssertEqual(taken.gid, task.gid)
        XCTAssertGreaterThan(taken.token, task.token)

        let logs = LogCapture()
        let reporter = Reporter(settings: p.settings, address: p.server.url.address, state: WorkerState(), logger: logs.logger)
        var next: StartedTask?? = .none
        let started = Monotonic.now()
        killRestartingWhenRefused(p, logs: logs, reporter: reporter) {
            next = reporter.report(task, outcome: .failed(kind: .error, reason: "boom", tokens: 1, output: ""),
                                   client: p.client, nextRoutes: [])
        }
        XCTAssertLessThan(Monotonic.now() - started, 20, "the reporter kept trying after Redis was back")
        XCTAssertEqual(next, .some(nil))
        XCTAssertTrue(logs.contains("reporting rp/t: Redis at", "failed"), "it did retry across the outage: \(logs.all)")
        XCTAssertTrue(logs.contains("rp/t was taken over; our report was refused"), "\(logs.all)")
        let fields = try p.client.taskFields("rp/t")
        XCTAssertEqual(fields["state"], "running", "the stale report changed the task")
        XCTAssertEqual(fields["worker"], "rp-2")
        XCTAssertEqual(fields["token"], String(taken.token))
    }

    func testAStoppedReporterGivesUpAReportRedisDidNotTake() throws {
        let p = try start()
        defer { p.server.destroy() }
        let task = try claimTask(p, as: "rp-1")
        let logs = LogCapture()
        let reporter = Reporter(settings: p.settings, address: p.server.url.address, state: WorkerState(), logger: logs.logger)
        p.server.kill()
        let stopper = DispatchSemaphore(value: 0)
        Thread {
            defer { stopper.signal() }
            _ = eventually(timeout: 5) { logs.contains("reporting rp/t: Redis at", "failed") }
            reporter.stop()
        }.start()
        let next = reporter.report(task, outcome: .succeeded(tokens: 0, result: ""), client: p.client, nextRoutes: p.routes)
        _ = stopper.wait(timeout: .now() + 10)
        XCTAssertNil(next)
        XCTAssertTrue(logs.contains("stopping at once without reporting rp/t"), "\(logs.all)")
        try p.server.start()
        XCTAssertTrue(eventually(timeout: 5) { (try? p.client.state(of: "rp/t")) == "running" },
                      "a given-up report settles nothing: the task waits for its lease")
    }
}
