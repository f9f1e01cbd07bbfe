import Foundation
import RedisKit
import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest

/// Item 13 of issue 9: what `up` keeps on disk is private, and its embedded Redis wants a password
/// that only files in the private state directory and the workers' environment hold.
final class StateFilesTests: XCTestCase {
    private func mode(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & 0o777 : nil
    }

    func testUpKeepsTheStateDirectoryAndEveryFileInItPrivate() throws {
        let ws = try EmbeddedWorkspace(namespace: "private")
        defer { ws.remove() }
        // As an older version left it: a world-readable state directory and ledger.
        try FileManager.default.createDirectory(atPath: ws.stateDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        _ = FileManager.default.createFile(atPath: ws.stateDir + "/ledger.sqlite", contents: nil, attributes: [.posixPermissions: 0o644])
        let plan = try ws.write("p.yaml", planText(feature: "f", count: 3, command: "echo secret-output"))
        let up = try CLIProcess(["up", "--workers", "1", "--exit-when-done"] + ws.configArgs)
        defer { kill(up.process.processIdentifier, SIGKILL) }
        _ = try ws.client()
        XCTAssertEqual(try CLIProcess.run(["submit", plan] + ws.configArgs).0, 0)
        XCTAssertEqual(up.wait(timeout: 60), 0, up.stderr)

        XCTAssertEqual(mode(ws.stateDir), 0o700, "state_dir")
        let aofDir = ws.stateDir + "/appendonlydir"
        XCTAssertEqual(mode(aofDir), 0o700, "the AOF folder")
        var checked: [String] = []
        let top = try FileManager.default.contentsOfDirectory(atPath: ws.stateDir).map { ws.stateDir + "/" + $0 }
        let aof = try FileManager.default.contentsOfDirectory(atPath: aofDir).map { aofDir + "/" + $0 }
        for path in top + aof {
            var st = stat()
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            XCTAssertEqual(st.st_mode & 0o777, 0o600, "\(path) is readable by others")
            checked.append((path as NSString).lastPathComponent)
        }
        for expected in ["redis.pass", "redis-auth.conf", "redis.log", "ledger.sqlite", "appendonly.aof.manifest"] {
            XCTAssertTrue(checked.contains(expected), "\(expected) missing from \(checked)")
        }
        XCTAssertTrue(checked.contains { $0.hasSuffix(".incr.aof") }, "no AOF among \(checked)")
        let password = try XCTUnwrap(ws.password)
        XCTAssertGreaterThanOrEqual(password.count, 64, "32 random bytes as hex")
        XCTAssertTrue(password.allSatisfy(\.isHexDigit))
    }

    func testTheEmbeddedRedisRefusesStrangersWhileEveryCommandStillWorks() throws {
        let ws = try EmbeddedWorkspace(namespace: "auth")
        defer { ws.remove() }
        let up = try CLIProcess(["up", "--workers", "2"] + ws.configArgs)
        defer { kill(up.process.processIdentifier, SIGKILL) }
        let c = try ws.client()
        let password = try XCTUnwrap(ws.password)

        let stranger = try RedisConnection(url: RedisURL(endpoint: .unix(path: ws.stateDir + "/redis.sock")))
        XCTAssertThrowsError(try stranger.send("GET", c.keys.stats)) { error in
            XCTAssertEqual((error as? RedisError)?.serverCode, "NOAUTH", "\(error)")
        }

        let plan = try ws.write("p.yaml", planText(feature: "a", count: 4, command: "echo ok"))
        let (code, out, err) = try CLIProcess.run(["submit", plan] + ws.configArgs)
        XCTAssertEqual(code, 0, err)
        let deadline = Monotonic.now() + 30
        while Monotonic.now() < deadline, (try c.stateCounts()["succeeded"] ?? 0) < 4 { sleepSeconds(0.05) }
        XCTAssertEqual(try c.stateCounts(), ["succeeded": 4])
        let (sCode, status, sErr) = try CLIProcess.run(["status"] + ws.configArgs)
        XCTAssertEqual(sCode, 0, sErr)
        XCTAssertTrue(status.contains("succeeded"), status)
        let (eCode, events, eErr) = try CLIProcess.run(["events"] + ws.configArgs)
        XCTAssertEqual(eCode, 0, eErr)
        XCTAssertTrue(events.contains("a/t3"), events)
        let (qCode, _, qErr) = try CLIProcess.run(["queue"] + ws.configArgs)
        XCTAssertEqual(qCode, 0, qErr)

        // The password is in no command line (up's children included) and in no output.
        for p in ProcessEntry.all() where p.cmdline.joined(separator: " ").contains(password) {
            XCTFail("pid \(p.pid) (\(p.comm)) has the password on its command line")
        }
        kill(up.process.processIdentifier, SIGTERM)
        XCTAssertEqual(up.wait(timeout: 30), 0, up.stderr)
        for text in [out, err, status, sErr, events, eErr, up.stdout, up.stderr] {
            XCTAssertFalse(text.contains(password), "the password was printed")
        }
        let log = (try? String(contentsOfFile: ws.stateDir + "/redis.log", encoding: .utf8)) ?? ""
        XCTAssertFalse(log.contains(password), "the password is in the redis log")
    }
}
