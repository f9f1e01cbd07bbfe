import Foundation
import SwarmSupport
import XCTest

final class ForkExecTests: XCTestCase {
    /// The descriptor numbers open in process `pid`, from /proc.
    private func openDescriptors(of pid: pid_t) throws -> [Int] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap(Int.init).sorted()
    }

    /// The descriptors of `pid` once its start-up is over: a program briefly opens files of its
    /// own (locale data) while it starts, so wait up to 5 s for the table to settle at 0, 1, 2.
    private func settledDescriptors(of pid: pid_t) throws -> [Int] {
        let deadline = Monotonic.now() + 5
        var fds = try openDescriptors(of: pid)
        while fds != [0, 1, 2] && Monotonic.now() < deadline {
            sleepSeconds(0.01)
            fds = try openDescriptors(of: pid)
        }
        return fds
    }

    private func stop(_ pid: pid_t) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    func testASpawnedChildHoldsOnlyStdinStdoutAndStderrEvenWhenTheParentLeaksDescriptors() throws {
        // Descriptors opened the careless way (no O_CLOEXEC), as a library might.
        let file = open("/dev/null", O_RDONLY)
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(file); close(fds[0]); close(fds[1]) }
        XCTAssertGreaterThan(file, 2)

        let pid = try ForkExec.spawn(ForkExec.Options(path: "/bin/sleep", argv: ["sleep", "30"], environment: []))
        defer { stop(pid) }
        XCTAssertEqual(try settledDescriptors(of: pid), [0, 1, 2])
    }

    func testStdioDescriptorsThatAreAlreadyZeroOneTwoStayOpenInTheChild() throws {
        // A child given its parent's own 0, 1, 2 (dup2 onto itself) must still have them.
        var options = ForkExec.Options(path: "/bin/sleep", argv: ["sleep", "30"], environment: [])
        options.stdio = (0, 1, 2)
        let pid = try ForkExec.spawn(options)
        defer { stop(pid) }
        XCTAssertEqual(try settledDescriptors(of: pid), [0, 1, 2])
    }

    func testAFailedExecIsReportedWithItsErrno() {
        XCTAssertThrowsError(try ForkExec.spawn(ForkExec.Options(path: "/nonexistent/program", argv: ["x"], environment: []))) { error in
            XCTAssertEqual((error as? ForkExecError)?.code, ENOENT)
        }
    }

    func testChildProcessCapturesStdoutStderrAndTheExitStatus() throws {
        let run = try ChildProcess.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], environment: ["PATH=/usr/bin:/bin"], timeout: 30)
        XCTAssertEqual(run, ChildProcess.Outcome(stdout: "out\n", stderr: "err\n", status: 3, timedOut: false))
    }

    func testChildProcessFindsTheProgramOnThePathOfTheEnvironmentItIsGiven() throws {
        let run = try ChildProcess.run(["printf", "%s", "a b"], environment: ["PATH=/usr/bin:/bin"], timeout: 30)
        XCTAssertEqual(run.stdout, "a b")
        XCTAssertEqual(run.status, 0)
        XCTAssertThrowsError(try ChildProcess.run(["printf", "x"], environment: ["PATH=/nonexistent"], timeout: 30)) { error in
            XCTAssertEqual((error as? ForkExecError)?.code, ENOENT)
        }
    }

    func testChildProcessStopsAProgramThatOutlivesItsDeadline() throws {
        // The shell ignores SIGTERM, so only the SIGKILL after the grace can stop it.
        let run = try ChildProcess.run(["/bin/sh", "-c", "trap '' TERM; echo started; while :; do sleep 1; done"],
                                       environment: ["PATH=/usr/bin:/bin"], timeout: 0.3, killGrace: 0.2)
        XCTAssertTrue(run.timedOut)
        XCTAssertNil(run.status)
        XCTAssertEqual(run.stdout, "started\n")
    }
}
