import Foundation
import Planner
import RedisKit
import Scheduler
import SwarmSupport
import SwarmTestSupport
import WorkerAgent
import XCTest

final class WorkerLoopTests: XCTestCase {
    private func spec(_ id: String, _ command: String, acceptance: [String] = [], timeout: Double = 30) -> TaskSpec {
        TaskSpec(id: id, feature: "w", type: "script", executor: .script(command: command), acceptanceTests: acceptance,
                 retries: 0, timeout: timeout, cwd: NSTemporaryDirectory())
    }

    /// A worker runs tasks end to end; secrets printed by a task reach neither Redis (task
    /// fields, events) nor the ledger; an acceptance failure goes to needs_human with its output.
    func testWorkerRunsTasksAndRedactsEverythingItReports() throws {
        let redis = try TestRedis.fresh()
        let client = try SchedulerClient(redis: redis, namespace: "wl")
        try client.configure(SchedulerSettings())
        let secret = "hunter2-very-secret-value"
        let worker = try TestWorker(id: "wl-1", namespace: "wl", environment: ["PATH": "/usr/bin:/bin", "DEPLOY_TOKEN": secret])
        defer { worker.stop() }

        let specs = [
            spec("leak", "echo \"token=$DEPLOY_TOKEN\"; echo \"key sk-$(printf abcdefghijklmnopqrstuvwx)\" >&2"),
            spec("check", "echo building", acceptance: ["echo \"bad $DEPLOY_TOKEN\"; exit 3"]),
        ]
        let records = try specs.map { try TaskRecord(spec: $0, repo: nil).signed(by: testSigner, feature: "w") }
        _ = try client.submit(feature: "w", description: "", budget: 0, idempotencyKey: "wl", tasks: records)
        let deadline = Monotonic.now() + 20
        while Monotonic.now() < deadline {
            let c = try client.stateCounts()
            if (c["succeeded"] ?? 0) + (c["needs_human"] ?? 0) == 2 { break }
            sleepSeconds(0.05)
        }
        XCTAssertEqual(try client.state(of: "w/leak"), "succeeded")
        XCTAssertEqual(try client.state(of: "w/check"), "needs_human")
        let leak = try client.taskFields("w/leak")
        XCTAssertTrue(leak["result"]?.contains("token=[REDACTED]") ?? false, "\(leak)")
        XCTAssertTrue(leak["result"]?.contains("key [REDACTED]") ?? false, "\(leak)")
        let check = try client.taskFields("w/check")
        XCTAssertTrue(check["reason"]?.contains("acceptance test") ?? false, "\(check)")
        XCTAssertTrue(check["output"]?.contains("bad [REDACTED]") ?? false, "\(check)")

        // Nothing anywhere in Redis or the ledger holds the secret.
        let dump = try redis.send("KEYS", "*").array?.compactMap(\.string) ?? []
        for key in dump {
            let type = try redis.send("TYPE", key).string ?? ""
            let text: String
            switch type {
            case "hash": text = "\(try redis.send("HGETALL", key))"
            case "string": text = try redis.send("GET", key).string ?? ""
            case "stream": text = "\(try redis.send("XRANGE", key, "-", "+"))"
            default: text = ""
            }
            XCTAssertFalse(text.contains(secret), "\(key) holds the secret")
            XCTAssertFalse(text.contains("sk-abcdefghijkl"), "\(key) holds the key")
        }
        let path = NSTemporaryDirectory() + "wl-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ledger = try Ledger(path: path)
        try LedgerWriter.catchUp(url: TestRedis.server.url, namespace: "wl", ledger: ledger)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertNil(bytes.range(of: Data(secret.utf8)), "the ledger holds the secret")
    }

    /// A worker whose lease is taken away stops its task at once.
    func testLostLeaseCancelsTheRun() throws {
        let redis = try TestRedis.fresh()
        let client = try SchedulerClient(redis: redis, namespace: "wl2")
        try client.configure(SchedulerSettings())
        let worker = try TestWorker(id: "wl-2", namespace: "wl2", heartbeat: 0.1)
        defer { worker.stop() }
        _ = try client.submit(feature: "w", description: "", budget: 0, idempotencyKey: "wl2",
                              tasks: [TaskRecord(spec: spec("long", "sleep 30"), repo: nil).signed(by: testSigner, feature: "w")])
        let deadline = Monotonic.now() + 10
        while Monotonic.now() < deadline, try client.state(of: "w/long") != "running" { sleepSeconds(0.02) }
        let start = Monotonic.now()
        XCTAssertEqual(try client.cancel("w/long"), 1)
        // The worker notices at its next heartbeat, kills the task and is free again.
        while Monotonic.now() - start < 5, try redis.send("HGET", client.keys.worker("wl-2"), "state").string != "idle" { sleepSeconds(0.02) }
        XCTAssertEqual(try redis.send("HGET", client.keys.worker("wl-2"), "state").string, "idle")
        XCTAssertLessThan(Monotonic.now() - start, 3)
        XCTAssertTrue(try EventReader(redis: redis, namespace: "wl2").read().contains { $0.type == "stale_refused" } == false,
                      "an abandoned run does not try to settle")
    }

    /// Above its memory limit a worker claims nothing and says so in an event; with
    /// `idle_timeout` it exits on its own.
    func testOverloadedWorkerStopsClaimingAndIdleWorkerExits() throws {
        let redis = try TestRedis.fresh()
        let client = try SchedulerClient(redis: redis, namespace: "wl3")
        try client.configure(SchedulerSettings())
        var config = SwarmConfig.trustingTestSigner()
        config.worker.maxMemoryPercent = 0   // any host is "over" this
        config.worker.idleTimeout = 1.5
        let worker = try TestWorker(id: "wl-3", namespace: "wl3", config: config, heartbeat: 0.1)
        defer { worker.stop() }
        _ = try client.submit(feature: "w", description: "", budget: 0, idempotencyKey: "wl3",
                              tasks: [TaskRecord(spec: spec("quick", "true"), repo: nil).signed(by: testSigner, feature: "w")])
        XCTAssertEqual(worker.waitForExit(timeout: 10), .idle, "an idle worker exits after idle_timeout")
        XCTAssertEqual(try client.state(of: "w/quick"), "dispatched", "an overloaded worker claims nothing")
        let events = try EventReader(redis: redis, namespace: "wl3").read()
        XCTAssertTrue(events.contains { $0.type == "worker_overloaded" && $0.fields["worker"] == "wl-3" })
        XCTAssertTrue(events.contains { $0.type == "worker_stopped" && $0.fields["worker"] == "wl-3" })
    }
}
