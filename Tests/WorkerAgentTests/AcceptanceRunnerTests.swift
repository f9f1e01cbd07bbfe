import Foundation
import XCTest
@testable import WorkerAgent

final class AcceptanceRunnerTests: XCTestCase {
    let runner = AcceptanceRunner(runner: ProcessRunner(redactor: try! Redactor(secretValues: ["db-password-42"])))

    func testAllPassInTheTaskDirectory() throws {
        let dir = try makeTemporaryDirectory(self)
        try "ok\n".write(toFile: dir + "/built.txt", atomically: true, encoding: .utf8)
        let report = try runner.run(commands: ["test -f built.txt", "grep -q ok built.txt"],
                                    context: ExecutionContext(workingDirectory: dir, environment: testEnvironment))
        XCTAssertTrue(report.passed)
        XCTAssertNil(report.failure)
        XCTAssertEqual(report.steps.map(\.command), ["test -f built.txt", "grep -q ok built.txt"])
    }

    func testStopsAtTheFirstFailureWithRedactedOutput() throws {
        let dir = try makeTemporaryDirectory(self)
        let report = try runner.run(
            commands: ["true", "echo connecting with db-password-42; echo 'assertion failed' >&2; exit 2", "touch never-ran"],
            context: ExecutionContext(workingDirectory: dir, environment: testEnvironment))
        XCTAssertFalse(report.passed)
        let failure = try XCTUnwrap(report.failure)
        XCTAssertEqual(failure.index, 1)
        XCTAssertEqual(failure.result.termination, .exited(code: 2))
        XCTAssertTrue(failure.result.output.contains("connecting with [REDACTED]"))
        XCTAssertTrue(failure.result.output.contains("assertion failed"))
        XCTAssertFalse(failure.result.output.contains("db-password-42"))
        XCTAssertEqual(report.steps.count, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/never-ran"))
    }

    func testTimeoutCountsAsFailure() throws {
        let report = try runner.run(commands: ["sleep 30", "true"],
                                    context: ExecutionContext(environment: testEnvironment, timeout: 0.2, killGracePeriod: 0.2))
        XCTAssertEqual(report.failure?.index, 0)
        XCTAssertEqual(report.failure?.result.timedOut, true)
    }

    func testNoCommandsPass() throws {
        XCTAssertTrue(try runner.run(commands: [], context: ExecutionContext()).passed)
    }
}
