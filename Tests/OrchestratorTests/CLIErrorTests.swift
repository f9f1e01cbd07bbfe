import Foundation
import RedisKit
import SwarmSupport
import SwarmTestSupport
import XCTest

final class CLIErrorTests: XCTestCase {
    func testInvalidPlanWritesNothingToRedis() throws {
        let ws = try TestWorkspace(namespace: "cli-bad")
        _ = try TestRedis.fresh()
        let plan = try ws.write("bad.yaml", """
            feature: bad
            budget: 0
            tasks:
              - id: a
                type: script
                command: "true"
                depends_on: [b]
              - id: b
                type: script
                command: "true"
                depends_on: [a]
            """)
        let (code, _, stderr) = try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env)
        XCTAssertEqual(code, 1, stderr)
        XCTAssertTrue(stderr.contains("a -> b -> a") || stderr.contains("b -> a -> b"), stderr)
        XCTAssertTrue(stderr.contains("nothing was submitted"), stderr)
        XCTAssertEqual(try RedisConnection(url: TestRedis.server.url).send("DBSIZE").int, 0, "an invalid plan must write nothing")
    }

    func testPlanWithALiteralSecretIsRefused() throws {
        let ws = try TestWorkspace(namespace: "cli-secret")
        _ = try TestRedis.fresh()
        let plan = try ws.write("s.yaml", planText(feature: "s", count: 1, command: "curl -H 'Authorization: Bearer abcdefghijklmnop123' x"))
        let (code, _, stderr) = try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env)
        XCTAssertEqual(code, 1)
        XCTAssertTrue(stderr.contains("t0: executor") && stderr.contains("holds what looks like a secret"), stderr)
        XCTAssertEqual(try RedisConnection(url: TestRedis.server.url).send("DBSIZE").int, 0)
    }

    func testRedisDownGivesClearErrorAndNonZeroExit() throws {
        let port = freeTCPPort()
        let start = Monotonic.now()
        let (code, _, stderr) = try CLIProcess.run(["status", "--redis", "redis://127.0.0.1:\(port)", "--wait", "0.6"])
        XCTAssertEqual(code, 3)
        XCTAssertTrue(stderr.contains("127.0.0.1:\(port)"), stderr)
        XCTAssertTrue(stderr.contains("retrying in"), "it retries with backoff before giving up: \(stderr)")
        XCTAssertLessThan(Monotonic.now() - start, 10, "no hang")
    }

    func testResolveUnknownTaskIsAClearError() throws {
        let ws = try TestWorkspace(namespace: "cli-resolve")
        _ = try TestRedis.fresh()
        let (code, _, stderr) = try CLIProcess.run(["resolve", "f/nope", "done"] + ws.configArgs, env: ws.env)
        XCTAssertEqual(code, 1)
        XCTAssertTrue(stderr.contains("no task f/nope"), stderr)
    }

    /// The exit statuses of README's table: 2 for an argument the command cannot use, 2 for a
    /// namespace it refuses, both before Redis is touched.
    func testBadArgumentsAndBadConfigExitWithStatusTwo() throws {
        let port = freeTCPPort()  // nothing listens: a command that reached for Redis would exit 3
        let (code, _, stderr) = try CLIProcess.run(["resolve", "f/x", "bogus", "--redis", "redis://127.0.0.1:\(port)"])
        XCTAssertEqual(code, 2, stderr)
        XCTAssertTrue(stderr.contains("'bogus' is not a resolution"), stderr)
        let (nsCode, _, nsErr) = try CLIProcess.run(["status", "--namespace", "a*b", "--redis", "redis://127.0.0.1:\(port)"])
        XCTAssertEqual(nsCode, 2, nsErr)
    }

    func testDuplicateSubmitSaysSo() throws {
        let ws = try TestWorkspace(namespace: "cli-dup")
        _ = try TestRedis.fresh()
        let plan = try ws.write("p.yaml", planText(feature: "dup", count: 2, command: "true"))
        let (c1, o1, e1) = try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env)
        XCTAssertEqual(c1, 0, e1)
        XCTAssertTrue(o1.contains("submitted feature dup: 2 tasks"), o1)
        let (c2, o2, _) = try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env)
        XCTAssertEqual(c2, 0)
        XCTAssertTrue(o2.contains("already submitted"), o2)
    }
}

final class CLIHistoryTests: XCTestCase {
    /// After a run with a failure, the read commands show what happened: `failures`, `queue`,
    /// `events --json`, `status --json`; `resolve` then revives the downstream task.
    func testReadCommandsShowWhatHappened() throws {
        let ws = try TestWorkspace(namespace: "cli-history")
        _ = try TestRedis.fresh()
        let plan = try ws.write("h.yaml", """
            feature: hist
            budget: 0
            tasks:
              - id: good
                type: script
                command: "echo fine"
              - id: bad
                type: script
                command: "echo broken; exit 4"
                retries: 0
              - id: after
                type: script
                command: "true"
                depends_on: [bad]
            """)
        XCTAssertEqual(try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env).0, 0)
        let up = try CLIProcess(["up", "--workers", "1", "--exit-when-done"] + ws.configArgs, env: ws.env)
        XCTAssertEqual(up.wait(timeout: 60), 0, up.stderr)

        let (fc, failures, fe) = try CLIProcess.run(["failures"] + ws.configArgs, env: ws.env)
        XCTAssertEqual(fc, 0, fe)
        XCTAssertTrue(failures.contains("hist/bad") && failures.contains("exit 4"), failures)
        XCTAssertTrue(failures.contains("hist/after") && failures.contains("upstream_failed"), failures)
        let (_, queue, _) = try CLIProcess.run(["queue", "--status", "succeeded"] + ws.configArgs, env: ws.env)
        XCTAssertTrue(queue.contains("hist/good") && !queue.contains("hist/bad"), queue)

        let (_, events, _) = try CLIProcess.run(["events", "--json"] + ws.configArgs, env: ws.env)
        let lines = events.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertFalse(lines.isEmpty)
        XCTAssertTrue(lines.allSatisfy { $0 != nil }, "every line is one JSON object")
        let types = lines.compactMap { $0?["type"] as? String }
        XCTAssertTrue(types.contains("failed") && types.contains("upstream_failed") && types.contains("feature_submitted"), "\(types)")

        let (_, status, _) = try CLIProcess.run(["status", "--json"] + ws.configArgs, env: ws.env)
        let snap = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any])
        XCTAssertEqual((snap["tasks"] as? [String: Int])?["failed"], 1)

        let (rc, out, re) = try CLIProcess.run(["resolve", "hist/bad", "done", "--notes", "fixed by hand"] + ws.configArgs, env: ws.env)
        XCTAssertEqual(rc, 0, re)
        XCTAssertTrue(out.contains("hist/bad -> succeeded"), out)
        let c = try ws.client()
        XCTAssertEqual(try c.state(of: "hist/after"), "dispatched", "the resolved failure revives its dependent")
    }
}
