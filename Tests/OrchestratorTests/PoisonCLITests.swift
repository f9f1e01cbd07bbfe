import Foundation
import RedisKit
import Scheduler
import SwarmTestSupport
import XCTest

/// What the CLI does with hostile names, text and paths.
final class PoisonCLITests: XCTestCase {
    private func hasRawControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B }
    }

    func testNamespaceIsValidatedWhereverItComesFrom() throws {
        let ws = try TestWorkspace(namespace: "nsok")
        for args in [["status", "--namespace", "*"], ["status", "--namespace", "a}b"]] {
            let (code, _, err) = try CLIProcess.run(args + ws.configArgs, env: ws.env, timeout: 20)
            XCTAssertEqual(code, 2, "\(args): \(err)")
            XCTAssertTrue(err.contains("not a valid namespace") && err.contains("--namespace"), err)
        }
        // No config file at all: the environment alone names the namespace.
        let empty = ws.dir + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let (code, _, err) = try CLIProcess.run(["status"], env: ws.env.merging(["SWARM_NAMESPACE": "a b*"]) { $1 }, cwd: empty, timeout: 20)
        XCTAssertEqual(code, 2, err)
        XCTAssertTrue(err.contains("not a valid namespace"), err)
    }

    func testTheSameTaskIdInAnotherNamespaceLeavesThisNamespacesHistoryAlone() throws {
        let ws = try TestWorkspace(namespace: "histmain")
        let redis = try TestRedis.fresh()
        for (ns, finish) in [("histmain", true), ("histother", false)] {
            let c = try SchedulerClient(redis: redis, namespace: ns)
            try c.configure(SchedulerSettings())
            _ = try c.submit(feature: "f", description: "", budget: 0, idempotencyKey: "k", tasks: [TaskRecord(gid: "f/a", type: "noop")])
            if finish, let t = try c.tryClaim(worker: "w", routes: ["any"]) { try c.complete(t, worker: "w", tokensUsed: 0) }
        }
        var outputs: [String] = []
        for ns in ["histmain", "histother", "histmain"] {
            let (code, out, err) = try CLIProcess.run(["queue", "--json", "--namespace", ns] + ws.configArgs, env: ws.env, timeout: 20)
            XCTAssertEqual(code, 0, err)
            outputs.append(out)
        }
        XCTAssertTrue(outputs[0].contains("\"state\":\"succeeded\""), outputs[0])
        XCTAssertTrue(outputs[1].contains("\"state\":\"dispatched\""), outputs[1])
        XCTAssertTrue(outputs[2].contains("\"state\":\"succeeded\""), "namespace histother overwrote histmain's row: \(outputs[2])")
    }

    func testEscapeSequencesFromPlansAndEventsNeverReachTheTerminalRaw() throws {
        let ws = try TestWorkspace(namespace: "escapes")
        let plan = try ws.write("evil.yaml", """
            feature: evil
            description: "\\e]0;pwned\\a\\e[2J\\e[31m"
            budget: 0
            tasks:
              - id: a
                type: script
                command: "true"
            """)
        let (code, out, err) = try CLIProcess.run(["plan", plan] + ws.configArgs, timeout: 20)
        XCTAssertEqual(code, 0, err)
        XCTAssertFalse(hasRawControl(out), out)
        XCTAssertTrue(out.contains("\\e]0;pwned"), out)

        // An event and a ledger reason carrying escape sequences.
        let redis = try TestRedis.fresh()
        let c = try SchedulerClient(redis: redis, namespace: "escapes")
        try redis.send("XADD", c.keys.events, "*", "type", "needs_human", "task", "evil/a", "feature", "evil", "ts", "1",
                       "state", "needs_human", "from", "running", "reason", "\u{1B}[2J\u{1B}]0;owned\u{7}boom")
        for args in [["events"], ["review"], ["queue"]] {
            let (code, out, err) = try CLIProcess.run(args + ws.configArgs, env: ws.env, timeout: 20)
            XCTAssertEqual(code, 0, "\(args): \(err)")
            XCTAssertTrue(out.contains("boom"), "\(args): \(out)")
            XCTAssertFalse(hasRawControl(out), "\(args): \(out)")
        }
    }

    func testPlanPathThatIsNotAPlanFileIsExplained() throws {
        let ws = try TestWorkspace(namespace: "paths")
        let fifo = ws.dir + "/plan.fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        for (path, expected) in [(ws.dir, "is a directory"), (fifo, "named pipe"), ("/dev/zero", "character device")] {
            let (code, _, err) = try CLIProcess.run(["plan", path] + ws.configArgs, timeout: 20)
            XCTAssertEqual(code, 1, err)
            XCTAssertTrue(err.contains(expected), err)
            XCTAssertFalse(err.contains("NSCocoaErrorDomain") || err.contains("permission"), err)
        }
    }
}
