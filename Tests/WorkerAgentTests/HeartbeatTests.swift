import Foundation
import Planner
import RedisKit
@testable import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest
@testable import WorkerAgent

/// The heartbeat alone, against the test Redis: membership and the running task's lease.
final class HeartbeatTests: XCTestCase {
    private struct NotRegistered: Error {}

    private struct Parts {
        let client: SchedulerClient
        let state: WorkerState
        let heartbeat: Heartbeat
        let id: String
    }

    /// A configured namespace and a started heartbeat for worker `id`, registered (heartbeats
    /// 0.1 s apart); the caller stops it.
    private func startHeartbeat(namespace: String, id: String) throws -> Parts {
        let client = try SchedulerClient(redis: TestRedis.fresh(), namespace: namespace)
        try client.configure(SchedulerSettings())
        var config = SwarmConfig.trustingTestSigner()
        config.worker.heartbeatInterval = 0.1
        let settings = try WorkerSettings(config: config, id: id, host: "testhost", environment: ["PATH": "/usr/bin:/bin"])
        let state = WorkerState()
        let heartbeat = Heartbeat(settings: settings, connection: WorkerConnection(url: TestRedis.server.url, options: RedisOptions(),
                                                                                   namespace: namespace),
                                  state: state, logger: LogCapture().logger)
        heartbeat.start()
        let deadline = Monotonic.now() + 10
        guard heartbeat.waitUntilRegistered(unless: { Monotonic.now() > deadline }) else {
            heartbeat.stop()
            throw NotRegistered()
        }
        return Parts(client: client, state: state, heartbeat: heartbeat, id: id)
    }

    /// Submits a long task and claims it for the worker as its claim loop would, recording it
    /// as the running task; returns the task and its cancellation token.
    private func runLongTask(_ p: Parts) throws -> (StartedTask, CancellationToken) {
        let spec = TaskSpec(id: "long", feature: "hb", type: "script", executor: .script(command: "sleep 30"),
                            retries: 0, timeout: 60, cwd: NSTemporaryDirectory())
        _ = try p.client.submit(feature: "hb", description: "", budget: 0, idempotencyKey: p.id,
                                tasks: [TaskRecord(spec: spec, repo: nil).signed(by: testSigner, feature: "hb")])
        let task = try XCTUnwrap(try p.client.claim(worker: p.id, routes: p.state.routes, blockSeconds: 2), "nothing to claim")
        let token = try CancellationToken()
        p.state.withLock { $0.task = task; $0.cancel = token; $0.renewed = Monotonic.now() }
        return (task, token)
    }

    private func leaseDeadline(_ p: Parts, _ gid: String) throws -> Double? {
        try p.client.redis.send("ZSCORE", p.client.keys.leases, gid).string.flatMap(Double.init)
    }

    func testTheHeartbeatRenewsTheLeaseOfTheRunningTask() throws {
        let p = try startHeartbeat(namespace: "hb1", id: "hb-1")
        defer { p.heartbeat.stop() }
        let (task, token) = try runLongTask(p)
        let first = try XCTUnwrap(try leaseDeadline(p, task.gid), "a started task has a lease")
        let renewedBefore = p.state.withLock { $0.renewed }
        XCTAssertTrue(eventually(timeout: 5) { ((try? self.leaseDeadline(p, task.gid)) ?? 0) > first },
                      "the lease deadline never moved forward")
        XCTAssertGreaterThan(p.state.withLock { $0.renewed }, renewedBefore, "the worker did not record the renewal")
        XCTAssertFalse(token.isCancelled, "a task whose lease is renewed keeps running")
    }

    func testTheHeartbeatStopsTheTaskWhoseLeaseItLost() throws {
        let p = try startHeartbeat(namespace: "hb2", id: "hb-2")
        defer { p.heartbeat.stop() }
        let (task, token) = try runLongTask(p)
        XCTAssertEqual(try p.client.cancel(task.gid), 1)
        XCTAssertTrue(eventually(timeout: 5) { token.isHard }, "the next refused heartbeat kills the task at once")
    }

    func testTheHeartbeatRegistersAgainAfterItsWorkerRecordIsDeleted() throws {
        let p = try startHeartbeat(namespace: "hb3", id: "hb-3")
        defer { p.heartbeat.stop() }
        let (_, token) = try runLongTask(p)
        let key = p.client.keys.worker(p.id)
        XCTAssertEqual(try p.client.redis.send("DEL", key).int, 1)
        XCTAssertTrue(eventually(timeout: 5) { (try? p.client.redis.send("HGET", key, "id").string) == p.id },
                      "the worker's record did not come back")
        let registrations = try EventReader(redis: p.client.redis, namespace: "hb3").read()
            .filter { $0.type == "worker_registered" && $0.fields["worker"] == p.id }
        XCTAssertEqual(registrations.count, 2, "registered at start and once more")
        XCTAssertTrue(token.isHard, "the task held when the record vanished was killed (its lease went with the record)")
    }

    func testStoppingTheHeartbeatDeregistersTheWorker() throws {
        let p = try startHeartbeat(namespace: "hb4", id: "hb-4")
        XCTAssertEqual(try p.client.redis.send("HGET", p.client.keys.worker(p.id), "state").string, "idle")
        p.heartbeat.stop()
        XCTAssertEqual(try p.client.redis.send("HGET", p.client.keys.worker(p.id), "state").string, "stopped")
        XCTAssertNil(try p.client.redis.send("ZSCORE", p.client.keys.workers, p.id).string, "still listed as live")
    }
}
