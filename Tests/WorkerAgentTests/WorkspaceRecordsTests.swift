import Foundation
import Planner
import RedisKit
import Scheduler
import SwarmTestSupport
import XCTest
@testable import WorkerAgent

/// Workspace records in a real Redis: what `orchestrator workspaces` lists, and the sweep that
/// follows each task's state (merged, sent to a person) and carries out discard requests.
final class WorkspaceRecordsTests: XCTestCase {
    private let namespace = "wsrec"

    /// A plain connection, for writing what the scheduler would have written.
    private var redis: RedisConnection!

    private func setUp(host: String = "h1") throws -> (Workspaces, SchedulerClient, UpstreamRepository) {
        let conn = try TestRedis.fresh()
        redis = try RedisConnection(url: TestRedis.start())
        let client = try SchedulerClient(redis: conn, namespace: namespace)
        let recorder = WorkspaceRecorder(url: TestRedis.start(), namespace: namespace)
        let workspaces = Workspaces(root: try makeTemporaryDirectory(self) + "/ws", host: host, git: Git(timeout: 60),
                                    recorder: recorder)
        return (workspaces, client, try UpstreamRepository(self))
    }

    /// Sets a task's state the way the scheduler's hash holds it.
    private func setTask(_ client: SchedulerClient, _ gid: String, state: String, attempt: Int, reason: String = "") throws {
        try redis.send("HSET", client.keys.task(gid), "state", state, "attempt", attempt, "reason", reason)
    }

    func testAKeptWorkspaceIsListedWithHostPathBranchAndWhy() throws {
        let (workspaces, client, up) = try setUp()
        let ws = try workspaces.prepare(up.request(task: "t", attempt: 1))
        XCTAssertEqual(try client.workspaces(), [], "a running attempt is not listed")
        workspaces.keep(ws, why: "exit 3")
        let records = try client.workspaces(feature: "f")
        XCTAssertEqual(records.count, 1)
        let r = try XCTUnwrap(records.first)
        XCTAssertEqual([r.id, r.host, r.path, r.branch, r.why, r.state.rawValue],
                       ["f/t#1", "h1", ws.path, "swarm-task/f/t", "exit 3", "kept"])
        XCTAssertEqual(try client.workspaces(feature: "other"), [])
    }

    func testASecretInTheReasonNeverReachesTheRecord() throws {
        let (workspaces, client, up) = try setUp()
        let ws = try workspaces.prepare(up.request(task: "s", attempt: 1))
        let secret = "sk-" + String(repeating: "a1B2", count: 6)
        workspaces.keep(ws, why: "acceptance test `curl -H 'Authorization: \(secret)'` failed (exit 1)")
        let why = try XCTUnwrap(try client.workspace(id: "f/s#1")).why
        XCTAssertFalse(why.contains(secret), why)
        XCTAssertTrue(why.contains("[REDACTED]"), why)
        XCTAssertFalse(try String(contentsOfFile: ws.path + ".json", encoding: .utf8).contains(secret))
    }

    func testTheSweepRemovesAMergedAttemptAndKeepsOneTheMergeQueueSentToAPerson() throws {
        let (workspaces, client, up) = try setUp()
        var made: [String: Workspace] = [:]
        for task in ["merged", "conflict"] {
            let ws = try workspaces.prepare(up.request(task: task, attempt: 2))
            let c = try workspaces.commit(ws)
            try workspaces.push(ws, c.commit)
            workspaces.awaitMerge(ws, c.commit)
            made[task] = ws
        }
        try setTask(client, "f/merged", state: "succeeded", attempt: 2)
        try setTask(client, "f/conflict", state: "needs_human", attempt: 2, reason: "merge conflict in out/x")
        XCTAssertEqual(workspaces.sweep(), ["f/merged#2"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: made["merged"]!.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: made["conflict"]!.path))
        let records = try client.workspaces()
        XCTAssertEqual(records.map(\.id), ["f/conflict#2"])
        XCTAssertEqual(records.first?.state, .kept)
        XCTAssertEqual(records.first?.why, "needs_human: merge conflict in out/x")
    }

    func testADiscardRequestIsCarriedOutByTheOwningHostsSweep() throws {
        let (workspaces, client, up) = try setUp(host: "h2")
        let ws = try workspaces.prepare(up.request(task: "t", attempt: 1))
        workspaces.keep(ws, why: "exit 1")
        try setTask(client, "f/t", state: "failed", attempt: 1, reason: "exit 1")
        try client.requestWorkspaceDiscard(id: "f/t#1", host: "h1")
        XCTAssertEqual(workspaces.sweep(), [], "a request for another host is not ours")
        try client.requestWorkspaceDiscard(id: "f/t#1", host: "h2")
        XCTAssertEqual(workspaces.sweep(), ["f/t#1"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.path))
        XCTAssertEqual(try client.workspaces(), [])
        XCTAssertThrowsError(try Git().run(["rev-parse", "--verify", "refs/heads/swarm-task/f/t"], in: ws.mirror.path),
                             "the discarded attempt's branch stays in the mirror")
    }

    func testARecordLostFromRedisIsWrittenAgainByTheSweep() throws {
        let (workspaces, client, up) = try setUp()
        let ws = try workspaces.prepare(up.request(task: "t", attempt: 1))
        workspaces.keep(ws, why: "exit 1")
        try setTask(client, "f/t", state: "failed", attempt: 1, reason: "exit 1")
        try redis.send("DEL", client.keys.workspaces)
        workspaces.sweep()
        XCTAssertEqual(try client.workspaces().map(\.id), ["f/t#1"])
    }
}
