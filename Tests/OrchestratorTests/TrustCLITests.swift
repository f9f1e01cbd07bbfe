import Foundation
import RedisKit
import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest

/// Tasks are untrusted code: they cannot command the fleet, and what `submit` stores holds no
/// secret (issue 9, items 10, 12 and 14).
final class TrustCLITests: XCTestCase {
    /// A task tries to take over the fleet with what it inherits: the environment its worker
    /// gives it and (unless the suite runs as root, whom nothing in-process can stop) the
    /// worker's own /proc environ. It reaches nothing: the second plan is never submitted and its
    /// command never runs anywhere; the task's own environment dump holds no Redis URL or socket
    /// path.
    func testATaskCannotSubmitWorkWithWhatItInherits() throws {
        let ws = try TestWorkspace(namespace: "trust-evil")
        _ = try TestRedis.fresh()
        let evil = try ws.write("evil.yaml", planText(feature: "evil", count: 1, command: "id > \(ws.dir)/pwned"))
        let attack = try ws.write("attack.sh", """
            env > \(ws.dir)/task.env
            # root (CAP_SYS_PTRACE) reads any process's memory: nothing in-process hides from it
            if [ "$(id -u)" != 0 ]; then tr '\\0' '\\n' < /proc/$PPID/environ > \(ws.dir)/worker.env 2>&1; fi
            touch \(ws.dir)/worker.env
            URL=$(grep -h '^SWARM_REDIS_URL=' \(ws.dir)/task.env \(ws.dir)/worker.env | head -n 1 | cut -d= -f2-)
            echo "url=$URL" > \(ws.dir)/attempted
            SWARM_REDIS_URL="$URL" '\(orchestratorPath)' submit '\(evil)' --config '\(ws.dir)/config.yaml' --wait 0.3 \\
              >> \(ws.dir)/attempted 2>&1
            exit 0
            """)
        let plan = try ws.write("p.yaml", planText(feature: "innocent", count: 1, command: "sh \(attack)"))
        XCTAssertEqual(try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env).0, 0)
        let up = try CLIProcess(["up", "--workers", "1", "--exit-when-done"] + ws.configArgs, env: ws.env)
        XCTAssertEqual(up.wait(timeout: 60), 0, up.stderr)

        let attempted = try String(contentsOfFile: ws.dir + "/attempted", encoding: .utf8)
        XCTAssertTrue(attempted.hasPrefix("url=\n"), "the task found a Redis URL: \(attempted)")
        let dump = try String(contentsOfFile: ws.dir + "/task.env", encoding: .utf8)
        XCTAssertFalse(dump.contains("SWARM_REDIS"), dump)
        XCTAssertFalse(dump.contains(TestRedis.server.socketPath), dump)
        let workerEnv = try String(contentsOfFile: ws.dir + "/worker.env", encoding: .utf8)
        XCTAssertFalse(workerEnv.contains("SWARM_REDIS_URL="), "the worker's environ was readable: \(workerEnv)")

        let client = try ws.client()
        XCTAssertEqual(try client.state(of: "innocent/t0"), "succeeded")
        XCTAssertNil(try client.state(of: "evil/t0"), "the task submitted a feature")
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.dir + "/pwned"))
    }

    /// Submitted from the CLI, specs are signed by the host key `submit` and `up` share in
    /// state_dir (created 0600); a spec altered in Redis afterwards is refused by `up`'s worker
    /// with a `spec_rejected` event, and its command never runs.
    func testUpRefusesASpecAlteredInRedisAfterASignedSubmit() throws {
        let ws = try TestWorkspace(namespace: "trust-sign")
        let redis = try TestRedis.fresh()
        let plan = try ws.write("p.yaml", planText(feature: "s", count: 2, command: "touch \(ws.dir)/ran-$(basename $SWARM_TASK_ID)"))
        XCTAssertEqual(try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env).0, 0)
        let mode = try FileManager.default.attributesOfItem(atPath: ws.dir + "/state/signing.key")[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let client = try ws.client()
        let spec = try XCTUnwrap(try client.taskFields("s/t1")["spec"])
        XCTAssertFalse(try client.taskFields("s/t1")["sig"]?.isEmpty ?? true, "the CLI submit did not sign")
        let altered = spec.replacingOccurrences(of: "touch", with: "echo altered > \(ws.dir)/altered; touch")
        try redis.send("HSET", client.keys.task("s/t1"), "spec", altered)

        let up = try CLIProcess(["up", "--workers", "1", "--exit-when-done"] + ws.configArgs, env: ws.env)
        let deadline = Monotonic.now() + 30
        while Monotonic.now() < deadline, try client.state(of: "s/t1") != "needs_human" || client.state(of: "s/t0") != "succeeded" {
            sleepSeconds(0.1)
        }
        XCTAssertEqual(up.wait(timeout: 30), 0, up.stderr)
        XCTAssertEqual(try client.state(of: "s/t0"), "succeeded")
        XCTAssertEqual(try client.state(of: "s/t1"), "needs_human")
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.dir + "/ran-t0"), "the genuine task did not run")
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.dir + "/ran-t1"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.dir + "/altered"), "the altered command ran")
        let rejected = try ws.events().filter { $0.type == "spec_rejected" }
        XCTAssertEqual(rejected.map(\.task), ["s/t1"])
    }

    /// Every string of a plan is checked for secrets before anything is stored: a key in the
    /// feature's description is refused like one in a command.
    func testASecretInTheFeatureDescriptionIsRefused() throws {
        let ws = try TestWorkspace(namespace: "trust-desc")
        let redis = try TestRedis.fresh()
        let text = "feature: d\ndescription: \"call it with sk-abcdefghijklmnopqrstuvwx\"\nbudget: 0\ntasks:\n"
            + "  - id: t0\n    type: script\n    command: \"true\"\n"
        let plan = try ws.write("d.yaml", text)
        let (code, _, stderr) = try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env)
        XCTAssertEqual(code, 1, stderr)
        XCTAssertTrue(stderr.contains("feature description"), stderr)
        XCTAssertFalse(stderr.contains("sk-abcdefghijklmnop"), stderr)
        XCTAssertEqual(try redis.send("DBSIZE").int, 0)
    }
}
