import Foundation
import RedisKit
@testable import Scheduler
import SwarmTestSupport
import XCTest

final class LedgerTests: XCTestCase {
    func tempPath() -> String { NSTemporaryDirectory() + "ledger-\(UUID().uuidString).sqlite" }

    func testLedgerProjectsEventsAndIsReplaySafe() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop"), TaskRecord(gid: "f/b", type: "noop", dependsOn: ["f/a"])])
        let t = try XCTUnwrap(s.tryClaim(worker: "w", routes: ["any"]))
        try s.fail(t, worker: "w", kind: .human, reason: "acceptance failed")
        let path = tempPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ledger = try Ledger(path: path)
        let written = try LedgerWriter.catchUp(url: TestRedis.server.url, namespace: "test", ledger: ledger)
        let events = try EventReader(redis: s.redis, namespace: "test").read()
        XCTAssertEqual(written, events.count)
        XCTAssertEqual(try ledger.eventCount(), events.count)
        // Replaying the same events (a crash before XACK) adds nothing.
        XCTAssertEqual(try ledger.record(events), 0)
        XCTAssertEqual(try ledger.eventCount(), events.count)
        let human = try ledger.tasks(state: .needsHuman)
        XCTAssertEqual(human.map(\.gid), ["f/a"])
        XCTAssertEqual(human.first?.reason, "acceptance failed")
        XCTAssertEqual(try ledger.tasks(state: .blocked).map(\.gid), ["f/b"])
        XCTAssertEqual(try ledger.history(of: "f/a").map(\.type), ["ready", "dispatched", "running", "needs_human"])
        // A second ledger file built from a fresh group replays to the same projection.
        let reopened = try Ledger(path: path)
        XCTAssertEqual(try reopened.stateCounts(), ["needs_human": 1, "blocked": 1])
    }

    func testUnwritableLedgerPathGivesClearError() {
        XCTAssertThrowsError(try Ledger(path: "/proc/swarm/ledger.sqlite")) { error in
            XCTAssertTrue("\(error)".contains("/proc/swarm/ledger.sqlite"), "\(error)")
        }
    }

    func testConsumerGroupDeliversAtLeastOnce() throws {
        let s = try freshScheduler()
        try s.submitTasks([TaskRecord(gid: "f/a", type: "noop")])
        let reader = EventReader(redis: try RedisConnection(url: TestRedis.server.url), namespace: "test")
        try reader.ensureGroup("g")
        let first = try reader.readGroup("g", consumer: "c1", blockSeconds: 0.05)
        XCTAssertFalse(first.isEmpty)
        // Not acknowledged: the same consumer gets them again.
        let again = try reader.readGroup("g", consumer: "c1", blockSeconds: 0.05)
        XCTAssertEqual(again.map(\.id), first.map(\.id))
        try reader.ack("g", ids: first.map(\.id))
        XCTAssertEqual(try reader.readGroup("g", consumer: "c1", blockSeconds: 0.05), [])
    }

    func testStatusSnapshotCountsEverything() throws {
        let s = try freshScheduler { $0.types["agent"] = .init(maxConcurrent: 3, ratePerSecond: 2, burst: 2) }
        try s.register(WorkerRegistration(id: "w1", host: "h1", pid: 42, capabilities: [], routes: ["any"], agents: []))
        try s.submitTasks([TaskRecord(gid: "f/a", type: "agent", budget: 100), TaskRecord(gid: "f/b", type: "noop", dependsOn: ["f/a"])],
                          budget: 1000)
        let t = try XCTUnwrap(s.tryClaim(worker: "w1", routes: ["any"]))
        let snap = try StatusSnapshot.gather(s)
        XCTAssertEqual(snap.tasks, ["running": 1, "blocked": 1])
        XCTAssertEqual(snap.budgets.map { [$0.feature, "\($0.limit)", "\($0.reserved)", "\($0.used)", $0.state] },
                       [["f", "1000", "100", "0", "running"]])
        XCTAssertEqual(snap.workers.map(\.id), ["w1"])
        XCTAssertEqual(snap.workers.first?.task, t.gid)
        XCTAssertEqual(snap.workerCounts(ttl: 10).working, 1)
        XCTAssertEqual(snap.rates.first { $0.type == "agent" }?.running, 1)
        XCTAssertEqual(snap.rates.first { $0.type == "agent" }?.available, 1, "burst 2, one start used")
        XCTAssertTrue(snap.json.contains("\"namespace\" : \"test\""))
    }
}
