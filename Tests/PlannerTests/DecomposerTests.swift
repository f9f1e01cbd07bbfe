import Foundation
import XCTest
@testable import Planner

final class DecomposerTests: XCTestCase {
    /// A config whose planning agent is the fake agent script `name` in Fixtures/agents.
    func config(agent name: String) throws -> SwarmConfig {
        let fixtures = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let script = fixtures.appendingPathComponent("agents/\(name)").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: script), "\(script) must be executable")
        var config = SwarmConfig()
        config.agents["fake"] = AgentConfig(command: [script, "{prompt}", "--output-format", "json"])
        config.planner.agent = "fake"
        config.planner.timeout = 10
        return config
    }

    func logFile() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("agent-log-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func calls(_ log: String) -> Int {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    func testTemplateIsDeterministicAndOrdered() throws {
        let decomposer = TemplateDecomposer()
        let result = try decomposer.decompose("Add OAuth login with Google")
        XCTAssertEqual(try decomposer.decompose("Add OAuth login with Google"), result)
        let plan = result.plan
        XCTAssertEqual(plan.feature.id, "add-oauth-login-with-google")
        XCTAssertEqual(plan.analysis.layers, [["backend", "frontend"], ["tests"], ["docs"]])
        XCTAssertEqual(plan.feature.tasks.first { $0.id == "tests" }?.dependsOn, ["backend", "frontend"])
        XCTAssertFalse(result.fellBack)
        guard case .agent(let agent, let prompt) = plan.feature.tasks[0].executor else { return XCTFail("agent task expected") }
        XCTAssertEqual(agent, "claude")
        XCTAssertTrue(prompt.contains("Add OAuth login with Google"))
    }

    func testTemplateUsesOnlyConfiguredTypes() throws {
        var config = SwarmConfig()
        config.taskTypes["frontend"] = nil
        config.taskTypes["tests"] = nil
        let plan = try TemplateDecomposer(config: config).decompose("CLI tool").plan
        XCTAssertEqual(plan.analysis.layers, [["backend"], ["docs"]])
    }

    func testSlug() {
        XCTAssertEqual(TemplateDecomposer.slug("  Ünïcode & stuff!! here "), "n-code-stuff-here")
        XCTAssertEqual(TemplateDecomposer.slug("!!!"), "feature")
    }

    func testGoodAgentPlanIsUsedAndPromptIsOneArgument() throws {
        let log = logFile()
        let decomposer = AgentDecomposer(config: try config(agent: "good-agent.sh"), environment: ["AGENT_LOG": log, "PATH": "/usr/bin:/bin"])
        let result = try decomposer.decompose("Add search; with \"quotes\" and $(rm -rf /) in it")
        XCTAssertFalse(result.fellBack, result.notes.joined(separator: "\n"))
        XCTAssertEqual(result.plan.feature.id, "search")
        XCTAssertEqual(result.plan.feature.description, "argc=3", "prompt + two flags")
        XCTAssertEqual(result.plan.analysis.layers, [["index", "ui"], ["e2e"]])
        XCTAssertEqual(calls(log), 1)
    }

    func testInvalidJSONIsRetriedOnceThenFallsBack() throws {
        let log = logFile()
        let decomposer = AgentDecomposer(config: try config(agent: "invalid-json.sh"), environment: ["AGENT_LOG": log])
        let result = try decomposer.decompose("Export reports as CSV")
        XCTAssertTrue(result.fellBack)
        XCTAssertEqual(calls(log), 2)
        XCTAssertEqual(result.plan.feature.id, "export-reports-as-csv")
        XCTAssertTrue(result.notes.last?.contains("template") ?? false, result.notes.description)
        XCTAssertTrue(result.notes.contains { $0.contains("attempt 2") }, result.notes.description)
    }

    func testCyclicPlanIsRetriedWithItsProblemsThenFallsBack() throws {
        let log = logFile()
        let result = try AgentDecomposer(config: try config(agent: "cycle-agent.sh"), environment: ["AGENT_LOG": log])
            .decompose("Anything")
        XCTAssertTrue(result.fellBack)
        XCTAssertEqual(calls(log), 2)
        XCTAssertTrue(result.notes.contains { $0.contains("api -> db -> api") }, result.notes.description)
    }

    func testAgentFixesPlanWhenToldItsProblems() throws {
        let log = logFile()
        let result = try AgentDecomposer(config: try config(agent: "fix-on-retry.sh"), environment: ["AGENT_LOG": log])
            .decompose("Anything")
        XCTAssertFalse(result.fellBack, result.notes.joined(separator: "\n"))
        XCTAssertEqual(calls(log), 2)
        XCTAssertEqual(result.plan.analysis.order, ["db", "api"])
    }

    func testRetryPromptCarriesTheProblems() {
        let prompt = AgentDecomposer.prompt(for: "X", config: SwarmConfig(),
                                            problems: [PlanProblem(line: 3, path: "tasks[0].depends_on", message: "dependency cycle a -> b -> a")])
        XCTAssertTrue(prompt.contains("previous answer"))
        XCTAssertTrue(prompt.contains("line 3: tasks[0].depends_on: dependency cycle a -> b -> a"))
    }

    func testHangingAgentIsKilledAfterTimeout() throws {
        let start = Date()
        let result = try AgentDecomposer(config: try config(agent: "hang.sh"), timeout: 1, environment: [:]).decompose("Anything")
        XCTAssertLessThan(Date().timeIntervalSince(start), 30, "the 60 s agent must have been stopped")
        XCTAssertTrue(result.fellBack)
        XCTAssertTrue(result.notes.first?.contains("did not answer within 1 s") ?? false, result.notes.description)
    }

    func testMissingAgentProgramFallsBack() throws {
        var config = SwarmConfig()
        config.agents["ghost"] = AgentConfig(command: ["swarm-no-such-agent-program", "{prompt}"])
        let result = try AgentDecomposer(config: config, agent: "ghost", environment: ["PATH": "/nonexistent"]).decompose("X")
        XCTAssertTrue(result.fellBack)
        XCTAssertTrue(result.notes[0].contains("not found on PATH"), result.notes[0])
    }
}
