import Foundation
import Planner
import XCTest
@testable import WorkerAgent

final class TaskExecutorTests: XCTestCase {
    let executor = TaskExecutor(runner: ProcessRunner(redactor: Redactor.defaults()))

    func testScriptRunsThroughTheShellInItsDirectory() throws {
        let dir = try makeTemporaryDirectory(self)
        let result = try executor.execute(
            .script(command: "echo \"$GREETING\" > out.txt && cat out.txt | tr a-z A-Z"),
            context: ExecutionContext(workingDirectory: dir, environment: testEnvironment.merging(["GREETING": "hi there"]) { $1 }))
        XCTAssertTrue(result.succeeded)
        XCTAssertEqual(result.process.output, "HI THERE\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/out.txt", encoding: .utf8), "hi there\n")
        XCTAssertNil(result.tokensUsed)
    }

    func testHostilePromptReachesTheAgentByteForByte() throws {
        let dir = try makeTemporaryDirectory(self)
        let received = dir + "/argv1"
        let agent = try writeScript(dir, "fake-agent", """
            #!/bin/sh
            printf '%s' "$1" > "$RECEIVED"
            printf '%s' "$#" > "$RECEIVED.count"
            """)
        let prompt = "fix it $(rm -rf ~) and `touch \(dir)/pwned` ; touch \(dir)/pwned2 | cat\n'single' \"double\" \\ {prompt} $HOME *\nend"
        // HOME points into the temporary directory: were the prompt ever given to a shell, `~` would be harmless.
        let env = testEnvironment.merging(["HOME": dir + "/home"]) { $1 }
        let template = AgentConfig(command: [agent, "{prompt}"], env: ["RECEIVED": received])
        let result = try executor.execute(.agent(prompt: prompt, agent: template), context: ExecutionContext(environment: env))
        XCTAssertTrue(result.succeeded, result.process.output)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: received)), Data(prompt.utf8))
        XCTAssertEqual(try String(contentsOfFile: received + ".count", encoding: .utf8), "1")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/pwned"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/pwned2"))
    }

    func testPlaceholderInsideAnArgumentIsReplacedLiterally() throws {
        let template = AgentConfig(command: ["agent", "--prompt={prompt}", "-v"])
        XCTAssertEqual(try template.arguments(forPrompt: "a $1 \\0 {prompt}"), ["agent", "--prompt=a $1 \\0 {prompt}", "-v"])
        XCTAssertThrowsError(try AgentConfig(command: ["agent", "-p"]).arguments(forPrompt: "x")) {
            XCTAssertEqual($0 as? ExecutorError, .missingPromptPlaceholder(argv: ["agent", "-p"]))
        }
        XCTAssertThrowsError(try AgentConfig(command: []).arguments(forPrompt: "x")) {
            XCTAssertEqual($0 as? ExecutorError, .emptyAgentCommand)
        }
    }

    func fakeAgent(printing output: String) throws -> String {
        let dir = try makeTemporaryDirectory(self)
        try output.write(toFile: dir + "/output", atomically: true, encoding: .utf8)
        return try writeScript(dir, "agent", "#!/bin/sh\ncat \"\(dir)/output\"\n")
    }

    func testUsageFromTheLastJSONObject() throws {
        let agent = try fakeAgent(printing: """
            thinking... {not json
            {"type":"progress","usage":{"total_tokens":1}}
            {
              "result": "done } with a brace in a string",
              "items": [{"a": 1}],
              "usage": {"input_tokens": 1200, "output_tokens": 345, "total_tokens": 1545}
            }
            bye
            """)
        let template = AgentConfig(command: [agent, "{prompt}"], usageJSONField: "usage.total_tokens")
        let result = try executor.execute(.agent(prompt: "p", agent: template), context: ExecutionContext(environment: testEnvironment))
        XCTAssertEqual(result.tokensUsed, 1545)
    }

    func testUsageSumsInputAndOutputWhenTotalIsAbsent() throws {
        let agent = try fakeAgent(printing: #"{"usage":{"input_tokens":10,"output_tokens":32}}"# + "\n")
        let template = AgentConfig(command: [agent, "{prompt}"], usageJSONField: "usage.total_tokens")
        let result = try executor.execute(.agent(prompt: "p", agent: template), context: ExecutionContext(environment: testEnvironment))
        XCTAssertEqual(result.tokensUsed, 42)
    }

    func testUsageFromPatternAndMissingUsage() throws {
        let agent = try fakeAgent(printing: "Tokens used: 12\nmore work\nTokens used: 1,234\n")
        let template = AgentConfig(command: [agent, "{prompt}"], usagePattern: "Tokens used: ([0-9,]+)")
        let result = try executor.execute(.agent(prompt: "p", agent: template), context: ExecutionContext(environment: testEnvironment))
        XCTAssertEqual(result.tokensUsed, 1234)

        let silent = AgentConfig(command: [agent, "{prompt}"], usageJSONField: "usage.total_tokens")
        XCTAssertNil(try executor.execute(.agent(prompt: "p", agent: silent), context: ExecutionContext(environment: testEnvironment)).tokensUsed)
    }

    func testInvalidUsagePatternIsReportedBeforeRunning() {
        let template = AgentConfig(command: ["/bin/true", "{prompt}"], usagePattern: "([0-9]+")
        XCTAssertThrowsError(try executor.execute(.agent(prompt: "p", agent: template), context: ExecutionContext())) {
            guard case ExecutorError.invalidUsagePattern = $0 else { return XCTFail("\($0)") }
        }
    }

    func testMissingAgentBinaryIsALaunchError() {
        let template = AgentConfig(command: ["no-such-agent-cli", "{prompt}"])
        XCTAssertThrowsError(try executor.execute(.agent(prompt: "p", agent: template), context: ExecutionContext(environment: testEnvironment))) {
            guard case ExecutorError.launch(.executableNotFound) = $0 else { return XCTFail("\($0)") }
        }
    }

    func testNoopAndSleep() throws {
        XCTAssertTrue(try executor.execute(.noop, context: ExecutionContext()).succeeded)
        let slept = try executor.execute(.sleep(seconds: 0.05), context: ExecutionContext())
        XCTAssertTrue(slept.succeeded)
        XCTAssertGreaterThanOrEqual(slept.process.duration, 0.05)
        let timedOut = try executor.execute(.sleep(seconds: 10), context: ExecutionContext(timeout: 0.05))
        XCTAssertTrue(timedOut.process.timedOut)
        XCTAssertFalse(timedOut.succeeded)
        let token = try CancellationToken()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { token.cancel() }
        let cancelled = try executor.execute(.sleep(seconds: 100), context: ExecutionContext(), cancellation: token)
        XCTAssertTrue(cancelled.process.cancelled)
    }

    func testSecretEnvironmentValueNeverReachesTheResultOrTheStream() throws {
        let env = testEnvironment.merging(["OPENAI_API_KEY": "not-a-pattern-but-secret-9f8e7d"]) { $1 }
        let redactor = try Redactor(secretValues: Redactor.secretValues(from: env))
        let executor = TaskExecutor(runner: ProcessRunner(redactor: redactor))
        var streamed: [UInt8] = []
        // Printed in pieces with pauses, so the value arrives split across reads.
        let command = #"v="$OPENAI_API_KEY"; printf '%s' "${v%%-but*}"; sleep 0.05; printf '%s\n' "-but${v#*-but}"; echo "$v" >&2"#
        let result = try executor.execute(.script(command: command), context: ExecutionContext(environment: env),
                                          onOutput: { streamed += $0 })
        XCTAssertTrue(result.succeeded, result.process.output)
        XCTAssertEqual(result.process.standardOutput, "[REDACTED]\n")
        XCTAssertEqual(result.process.output, "[REDACTED]\n[REDACTED]\n")
        XCTAssertFalse(String(decoding: streamed, as: UTF8.self).contains("secret-9f8e7d"))
    }

    func testInvalidUTF8OutputDoesNotCrash() throws {
        let result = try executor.execute(.script(command: #"printf '\377\376ok\n'"#), context: ExecutionContext(environment: testEnvironment))
        XCTAssertTrue(result.succeeded)
        XCTAssertEqual(result.process.output, "\u{FFFD}\u{FFFD}ok\n")
    }
}
