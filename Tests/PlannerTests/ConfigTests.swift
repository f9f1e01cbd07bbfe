import Foundation
import XCTest
@testable import Planner

final class ConfigTests: XCTestCase {
    func testRootConfigFileEqualsDefaults() throws {
        let path = repoRoot.appendingPathComponent("config.yaml").path
        let config = try SwarmConfig.load(path: path, environment: [:])
        XCTAssertEqual(config.redis, SwarmConfig().redis)
        XCTAssertEqual(config.orchestrator, SwarmConfig().orchestrator)
        XCTAssertEqual(config.worker, SwarmConfig().worker)
        XCTAssertEqual(config.taskTypes, SwarmConfig().taskTypes)
        XCTAssertEqual(config.agents, SwarmConfig().agents)
        XCTAssertEqual(config.security, SwarmConfig().security)
        XCTAssertEqual(config, SwarmConfig())
    }

    func testEveryDefaultKeyIsDocumentedInRootConfig() throws {
        let text = try String(contentsOf: repoRoot.appendingPathComponent("config.yaml"), encoding: .utf8)
        for key in RedisConfig.keys + OrchestratorConfig.keys + WorkerConfig.keys + TaskTypeConfig.keys + SwarmConfig.keys {
            XCTAssertTrue(text.contains("\(key):"), "config.yaml does not mention \(key)")
        }
    }

    func testEmptyTextGivesDefaults() throws {
        XCTAssertEqual(try SwarmConfig.load(yaml: "", environment: [:]), SwarmConfig())
    }

    func testPartialFileKeepsOtherDefaultsAndMergesTypes() throws {
        let config = try SwarmConfig.load(yaml: """
        orchestrator:
          run_lease: 30
        task_types:
          backend: { retries: 5 }
          infra: { default_budget: 7 }
        """, environment: [:])
        XCTAssertEqual(config.orchestrator.runLease, 30)
        XCTAssertEqual(config.orchestrator.dispatchLease, 10)
        XCTAssertEqual(config.taskTypes["backend"]?.retries, 5)
        XCTAssertEqual(config.taskTypes["backend"]?.defaultBudget, 200_000)
        XCTAssertEqual(config.taskTypes["infra"]?.defaultBudget, 7)
        XCTAssertNotNil(config.taskTypes["docs"])
    }

    func testDeadlineLeadIsReadAndBounded() throws {
        let config = try SwarmConfig.load(yaml: "orchestrator:\n  deadline_lead: 120\n", environment: [:])
        XCTAssertEqual(config.orchestrator.deadlineLead, 120)
        XCTAssertEqual(SwarmConfig().orchestrator.deadlineLead, 600)
        let problems = configProblems("orchestrator:\n  deadline_lead: 1e9\n")
        assertProblem(problems, path: "orchestrator.deadline_lead", line: 2, contains: ["out of range"])
    }

    func testUnknownKeyNamesPathLineAndSuggestion() {
        let problems = configProblems("""
        orchestrator:
          dispatch_batch: 10
          run_leese: 3
        """)
        assertProblem(problems, path: "orchestrator.run_leese", line: 3, contains: ["unknown key", "did you mean 'run_lease'"])
    }

    func testUnknownTopLevelKey() {
        let problems = configProblems("redsi:\n  url: x\n")
        assertProblem(problems, path: "redsi", line: 1, contains: ["did you mean 'redis'"])
    }

    func testStringWhereNumberBelongs() {
        let problems = configProblems("""
        redis:
          namespace: prod
          command_timeout: "5"
        worker:
          max_output_bytes: lots
        """)
        assertProblem(problems, path: "redis.command_timeout", line: 3, contains: ["expected a number", "\"5\""])
        assertProblem(problems, path: "worker.max_output_bytes", line: 5, contains: ["expected an integer", "lots"])
    }

    func testNegativeTimeoutAndOutOfRangeWeightAreAllReported() {
        let problems = configProblems("""
        redis:
          connect_timeout: -1
        worker:
          load_weights:
            cpu: 1.5
        task_types:
          backend:
            timeout: -3
        """)
        XCTAssertEqual(problems.count, 3, problems.map(\.description).joined(separator: "\n"))
        assertProblem(problems, path: "redis.connect_timeout", line: 2, contains: ["greater than 0"])
        assertProblem(problems, path: "worker.load_weights.cpu", line: 5, contains: ["0...1"])
        assertProblem(problems, path: "task_types.backend.timeout", line: 8, contains: ["greater than 0"])
    }

    func testErrorDescriptionListsEveryProblem() {
        do {
            _ = try SwarmConfig.load(yaml: "redis:\n  connect_timeout: -1\n  url: ftp://x\n", source: "c.yaml", environment: [:])
            XCTFail("expected an error")
        } catch {
            let text = error.description
            XCTAssertTrue(text.contains("2 problems"), text)
            XCTAssertTrue(text.contains("c.yaml: line 2"), text)
            XCTAssertTrue(text.contains("c.yaml: line 3"), text)
        }
    }

    func testMalformedYAMLNamesLine() {
        let problems = configProblems("redis:\n  url: [unclosed\nworker: {}\n")
        XCTAssertEqual(problems.count, 1)
        XCTAssertNotNil(problems.first?.line)
        XCTAssertTrue(problems[0].message.contains("syntax error"), problems[0].message)
    }

    func testEnvironmentOverridesRedis() throws {
        let config = try SwarmConfig.load(yaml: "redis:\n  url: redis://a:6379\n  namespace: one\n",
                                          environment: ["SWARM_REDIS_URL": "redis://b:6380/2", "SWARM_NAMESPACE": "two"])
        XCTAssertEqual(config.redis.url, "redis://b:6380/2")
        XCTAssertEqual(config.redis.namespace, "two")
    }

    func testInvalidEnvironmentOverrideIsReported() {
        let problems = configProblems("", environment: ["SWARM_NAMESPACE": "a{b}"])
        assertProblem(problems, path: "SWARM_NAMESPACE (environment)", line: nil, contains: ["not a valid namespace"])
    }

    func testSecretsInFileAreRefused() {
        let problems = configProblems("""
        redis:
          url: redis://:hunter2@localhost:6379
        agents:
          claude:
            env:
              ANTHROPIC_API_KEY: sk-abc
              HOME_DIR: /tmp
        """)
        assertProblem(problems, path: "redis.url", line: 2, contains: ["password", "SWARM_REDIS_URL"])
        assertProblem(problems, path: "agents.claude.env.ANTHROPIC_API_KEY", line: 6, contains: ["${ANTHROPIC_API_KEY}"])
        XCTAssertEqual(problems.count, 2)
    }

    func testPlannerAgentMustExistAndPatternsMustCompile() {
        let problems = configProblems("""
        planner:
          agent: claud
        security:
          redact_patterns: ['ok', '(unclosed']
        """)
        assertProblem(problems, path: "planner.agent", line: 2, contains: ["did you mean 'claude'"])
        assertProblem(problems, path: "security.redact_patterns[1]", line: 4, contains: ["regular expression"])
    }

    func testAgentArgumentsKeepPromptAsOneElement() {
        let agent = SwarmConfig().agents["claude"]!
        let prompt = "fix it; rm -rf / && echo \"hi\""
        XCTAssertEqual(agent.arguments(prompt: prompt), ["claude", "-p", prompt, "--output-format", "json"])
    }
}

final class AgentEnvironmentTests: XCTestCase {
    func testEnvReferencesAreResolvedFromTheBaseEnvironment() {
        let agent = AgentConfig(command: ["x"], env: ["ANTHROPIC_API_KEY": "${REAL_KEY}", "MODE": "fast", "GONE": "$MISSING"])
        let environment = agent.environment(base: ["REAL_KEY": "sk-123", "PATH": "/bin"])
        XCTAssertEqual(environment, ["ANTHROPIC_API_KEY": "sk-123", "MODE": "fast", "REAL_KEY": "sk-123", "PATH": "/bin"])
    }
}
