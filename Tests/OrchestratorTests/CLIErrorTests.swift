import Foundation
import RedisKit
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
        XCTAssertTrue(stderr.contains("t0: a prompt, command or test holds what looks like a secret"), stderr)
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
