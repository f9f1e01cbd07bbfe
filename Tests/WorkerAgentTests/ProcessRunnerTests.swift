import Foundation
import RedisKit
import SwarmTestSupport
import XCTest
@testable import WorkerAgent

final class ProcessRunnerTests: XCTestCase {
    let runner = ProcessRunner(redactor: Redactor.defaults())

    func sh(_ command: String, timeout: Double? = nil, grace: Double = 5, cwd: String? = nil,
            limits: ProcessLimits = .none, maxOutput: Int = 1 << 20) -> ProcessRequest {
        ProcessRequest(argv: ["/bin/sh", "-c", command], environment: testEnvironment, workingDirectory: cwd,
                       timeout: timeout, killGracePeriod: grace, limits: limits, maxOutputBytes: maxOutput)
    }

    func testCapturesOutputAndExitStatus() throws {
        let result = try runner.run(sh("echo out; echo err >&2; exit 3"))
        XCTAssertEqual(result.termination, .exited(code: 3))
        XCTAssertFalse(result.succeeded)
        XCTAssertTrue(result.output.contains("out\n"))
        XCTAssertTrue(result.output.contains("err\n"))
        XCTAssertEqual(result.standardOutput, "out\n")
        XCTAssertFalse(result.timedOut)
        XCTAssertFalse(result.cancelled)
    }

    func testATaskInheritsNoDescriptorOfItsWorkerNotEvenItsRedisConnection() throws {
        // hiredis opens its socket without close-on-exec; a careless open() does the same.
        let redis = try TestRedis.fresh()
        XCTAssertEqual(try redis.send("PING"), .status("PONG"))
        let stray = open("/dev/null", O_RDONLY)
        defer { close(stray) }
        let result = try runner.run(sh("ls /proc/$$/fd"))
        XCTAssertTrue(result.succeeded, result.output)
        XCTAssertEqual(result.standardOutput, "0\n1\n2\n", "the task's shell holds only stdin, stdout and stderr")
    }

    func testArgvIsPassedWithoutAShellAndPathIsSearched() throws {
        let result = try runner.run(ProcessRequest(argv: ["printf", "%s|", "a b", "$(x)", "*"], environment: testEnvironment))
        XCTAssertTrue(result.succeeded)
        XCTAssertEqual(result.output, "a b|$(x)|*|")
    }

    func testEnvironmentIsExplicitAndStdinIsEmpty() throws {
        let result = try runner.run(ProcessRequest(
            argv: ["/bin/sh", "-c", "echo \"[$ONLY]\"; env | wc -l; cat; echo done"],
            environment: ["ONLY": "this", "PATH": "/usr/bin:/bin"]))
        XCTAssertEqual(result.output.split(separator: "\n"), ["[this]", "3", "done"])  // ONLY, PATH, PWD
    }

    func testWorkingDirectory() throws {
        let dir = try makeTemporaryDirectory(self)
        let result = try runner.run(sh("pwd -P", cwd: dir))
        let expected = URL(fileURLWithPath: dir).resolvingSymlinksInPath().path
        XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines), expected)
    }

    func testStartErrorsAreTypedAndActionable() {
        XCTAssertThrowsError(try runner.run(ProcessRequest(argv: ["no-such-program-xyz"], environment: testEnvironment))) {
            guard case ProcessRunnerError.executableNotFound(let name, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(name, "no-such-program-xyz")
            XCTAssertTrue("\($0)".contains("install it"))
        }
        XCTAssertThrowsError(try runner.run(sh("true", cwd: "/nonexistent/dir"))) {
            XCTAssertEqual($0 as? ProcessRunnerError, .workingDirectoryNotFound(path: "/nonexistent/dir"))
        }
        XCTAssertThrowsError(try runner.run(ProcessRequest(argv: []))) {
            XCTAssertEqual($0 as? ProcessRunnerError, .emptyCommand)
        }
    }

    func testOutputIsRedactedAndStreamedLive() throws {
        let secretRunner = ProcessRunner(redactor: try Redactor(secretValues: ["super-secret-value"]))
        var streamed: [UInt8] = []
        // The secret is printed in two writes, so it may arrive split across reads.
        let result = try secretRunner.run(
            sh("printf 'tok sk-abcdefgh'; sleep 0.05; printf 'ijklmnopqrstu\\n'; printf super-sec; sleep 0.05; echo ret-value"),
            onOutput: { streamed += $0 })
        XCTAssertEqual(result.output, "tok [REDACTED]\n[REDACTED]\n")
        XCTAssertEqual(String(decoding: streamed, as: UTF8.self), result.output)
    }

    func testOutputIsCappedToItsTail() throws {
        let result = try runner.run(sh("seq 1 20000", maxOutput: 1000))
        XCTAssertTrue(result.truncated)
        XCTAssertEqual(result.output.utf8.count, 1000)
        XCTAssertTrue(result.output.hasSuffix("19999\n20000\n"))
    }

    func testSignalIsReported() throws {
        let result = try runner.run(sh("kill -9 $$"))
        XCTAssertEqual(result.termination, .signaled(signal: SIGKILL))
    }

    func testTimeoutKillsTheWholeProcessGroup() throws {
        let dir = try makeTemporaryDirectory(self)
        let pidFile = dir + "/grandchild.pid"
        // The shell ignores SIGTERM, so only the SIGKILL after the grace period ends it.
        let result = try runner.run(sh(
            "trap '' TERM; sleep 100 & echo $! > \(pidFile); sleep 100", timeout: 0.5, grace: 0.3))
        XCTAssertTrue(result.timedOut)
        XCTAssertFalse(result.succeeded)
        XCTAssertEqual(result.termination, .signaled(signal: SIGKILL))
        XCTAssertLessThan(result.duration, 30)
        let grandchild = try XCTUnwrap(pid_t(String(contentsOfFile: pidFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        // Killed, and reaped by init: nothing left with that pid.
        XCTAssertTrue(eventually(timeout: 15) { kill(grandchild, 0) == -1 && errno == ESRCH }, "grandchild \(grandchild) survived")
    }

    func testTimeoutSendsTermFirst() throws {
        let result = try runner.run(sh("trap 'echo got-term; exit 7' TERM; sleep 100 & wait", timeout: 0.3, grace: 10))
        XCTAssertTrue(result.timedOut)
        XCTAssertEqual(result.termination, .exited(code: 7))
        XCTAssertTrue(result.output.contains("got-term"))
    }

    func testBackgroundLeftoversAreKilledWhenTheTaskExits() throws {
        let dir = try makeTemporaryDirectory(self)
        let pidFile = dir + "/bg.pid"
        let result = try runner.run(sh("sleep 100 & echo $! > \(pidFile); echo finished"))
        XCTAssertTrue(result.succeeded)
        XCTAssertEqual(result.output, "finished\n")
        let leftover = try XCTUnwrap(pid_t(String(contentsOfFile: pidFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertTrue(eventually(timeout: 15) { kill(leftover, 0) == -1 && errno == ESRCH })
    }

    func testCancelFromAnotherThread() throws {
        let token = try CancellationToken()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { token.cancel() }
        let result = try runner.run(sh("echo started; sleep 100"), cancellation: token)
        XCTAssertTrue(result.cancelled)
        XCTAssertFalse(result.timedOut)
        XCTAssertEqual(result.termination, .signaled(signal: SIGTERM))
        XCTAssertEqual(result.output, "started\n")
        XCTAssertTrue(token.isCancelled)
    }

    func testCancelledTokenStopsLaterRunsAtOnce() throws {
        let token = try CancellationToken()
        token.cancel()
        token.cancel()
        let result = try runner.run(sh("sleep 100"), cancellation: token)
        XCTAssertTrue(result.cancelled)
    }

    func testMemoryLimitIsVisibleAndEnforced() throws {
        let limit: UInt64 = 256 * 1024 * 1024
        let shown = try runner.run(sh("ulimit -v", limits: ProcessLimits(memoryBytes: limit)))
        XCTAssertEqual(shown.output.trimmingCharacters(in: .whitespacesAndNewlines), "\(limit / 1024)")
        // dd allocates its whole block at once: 512 MiB cannot fit under 256 MiB.
        let hog = try runner.run(sh("dd if=/dev/zero of=/dev/null bs=512M count=1",
                                    limits: ProcessLimits(memoryBytes: limit)))
        XCTAssertFalse(hog.succeeded, hog.output)
        XCTAssertTrue(hog.output.contains("memory exhausted"), hog.output)
        let unlimited = try runner.run(sh("dd if=/dev/zero of=/dev/null bs=512M count=1"))
        XCTAssertTrue(unlimited.succeeded, unlimited.output)
    }

    func testCPULimitKillsABusyLoop() throws {
        let shown = try runner.run(sh("ulimit -t", limits: ProcessLimits(cpuSeconds: 1)))
        XCTAssertEqual(shown.output.trimmingCharacters(in: .whitespacesAndNewlines), "1")
        let busy = try runner.run(sh("while :; do :; done", timeout: 60, limits: ProcessLimits(cpuSeconds: 1)))
        XCTAssertFalse(busy.timedOut)
        XCTAssertEqual(busy.termination, .signaled(signal: SIGXCPU))
    }

    func testADescendantThatLeavesTheGroupCannotHangTheRun() throws {
        let dir = try makeTemporaryDirectory(self)
        let pidFile = dir + "/escaped.pid"
        // setsid puts the daemon in a new session and group; it keeps stdout open.
        let result = try runner.run(sh("setsid sh -c 'echo $$ > \(pidFile); exec sleep 100' & sleep 0.2; echo parent-done"))
        defer {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
               let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, SIGKILL)
            }
        }
        XCTAssertTrue(result.succeeded)
        XCTAssertEqual(result.output, "parent-done\n")
    }

    func testChildGetsDefaultSignalHandling() throws {
        // Workers ignore SIGPIPE (socket writes); the ignore must not leak into tasks.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        // SigIgn is a hex mask; SIGPIPE is signal 13, bit 0x1000.
        let result = try runner.run(sh("grep SigIgn /proc/self/status"))
        let mask = try XCTUnwrap(UInt64(result.output.split(separator: "\t").last!.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16))
        XCTAssertEqual(mask & 0x1000, 0, "SIGPIPE must not be ignored in the child")
    }
}
