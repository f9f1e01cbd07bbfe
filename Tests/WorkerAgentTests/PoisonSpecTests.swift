import Foundation
import Planner
import RedisKit
import Scheduler
import SwarmSupport
import SwarmTestSupport
import WorkerAgent
import XCTest

/// A spec written into Redis by someone other than `submit` must not take a worker down.
final class PoisonSpecTests: XCTestCase {
    /// `timeout: 1e300` used to trap (signal 4) every worker that claimed the task.
    func testWorkerSurvivesASpecNoPlanCouldHoldAndRunsTheNextTask() throws {
        let redis = try TestRedis.fresh()
        let client = try SchedulerClient(redis: redis, namespace: "poisonw")
        try client.configure(SchedulerSettings())
        let dir = NSTemporaryDirectory() + "poisonw-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let worker = try TestWorker(id: "pw-1", namespace: "poisonw")
        defer { worker.stop() }

        let bad = #"{"id":"bad","feature":"p","type":"script","executor":{"kind":"script","command":"true"},"cwd":"\#(dir)","timeout":1e300}"#
        let good = TaskSpec(id: "good", feature: "p", type: "script", executor: .script(command: "echo ran > good.txt"),
                            dependsOn: ["bad"], timeout: 30, cwd: dir)
        var goodRecord = TaskRecord(spec: good, repo: nil)
        goodRecord.dependsOn = []
        // Both signed: the bad spec is genuine, only its value is impossible.
        let records = [try TaskRecord(gid: "p/bad", type: "script", specJSON: bad).signed(by: testSigner, feature: "p"),
                       try goodRecord.signed(by: testSigner, feature: "p")]
        _ = try client.submit(feature: "p", description: "", budget: 0, idempotencyKey: "pw", tasks: records)
        let deadline = Monotonic.now() + 20
        while Monotonic.now() < deadline {
            if try client.state(of: "p/good") == "succeeded", try client.state(of: "p/bad") == "needs_human" { break }
            sleepSeconds(0.05)
        }
        XCTAssertEqual(try client.state(of: "p/bad"), "needs_human")
        XCTAssertTrue(try client.taskFields("p/bad")["reason"]?.contains("unreadable task spec") ?? false)
        XCTAssertEqual(try? String(contentsOfFile: dir + "/good.txt", encoding: .utf8), "ran\n", "the same worker ran the next task")
    }
}
