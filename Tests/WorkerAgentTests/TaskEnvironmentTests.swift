import Foundation
import Planner
import RedisKit
import Scheduler
import SwarmTestSupport
import WorkerAgent
import XCTest

/// What a task's processes see of the worker's environment (issue 9, items 10 and 11), and
/// what leaves the worker in a failure reason (item 14).
final class TaskEnvironmentTests: XCTestCase {
    let socket = "/var/run/swarm-test/redis.sock"
    let password = "pw-Redis-4711"

    /// A worker connected through a password-protected socket, with the usual ways a Redis
    /// connection hides in an environment.
    private func workerEnvironment(extra: [String: String] = [:]) -> [String: String] {
        [
            "PATH": "/usr/bin:/bin",
            "SWARM_REDIS_URL": "unix://:\(password)@\(socket)",
            "SWARM_NAMESPACE": "prod",
            "SWARM_SIGNING_KEY_FILE": "/home/ops/.swarm/signing.key",
            "REDISCLI_AUTH": password,
            "BACKUP_REDIS": "unix://\(socket)",
            "SOCKET_COPY": socket,
            "HARMLESS": "kept",
        ].merging(extra) { $1 }
    }

    private func run(_ spec: TaskSpec, environment: [String: String], agents: [String: AgentConfig] = [:]) throws -> TaskOutcome {
        var config = SwarmConfig()
        config.security.requireSignatures = false
        for (name, agent) in agents { config.agents[name] = agent }
        let settings = try WorkerSettings(config: config, id: "env-w", host: "h", environment: environment)
        return TaskRun(settings: settings).run(spec, attempt: 3, cancellation: nil)
    }

    private func assertNoRedisAccess(_ dump: String, file: StaticString = #filePath, line: UInt = #line) {
        for forbidden in [socket, password, "SWARM_REDIS", "SWARM_NAMESPACE", "SWARM_SIGNING", "REDISCLI_AUTH", "BACKUP_REDIS"] {
            XCTAssertFalse(dump.contains(forbidden), "the task saw \(forbidden):\n\(dump)", file: file, line: line)
        }
    }

    /// The task's script and its acceptance tests dump their environment: no Redis URL,
    /// password, socket path or SWARM_* connection variable is in either; the task's identity
    /// and ordinary variables are.
    func testTaskAndAcceptanceTestsSeeNoRedisConnection() throws {
        let dir = try makeTemporaryDirectory(self)
        let spec = TaskSpec(id: "dump", feature: "env", type: "script", executor: .script(command: "env > task.env"),
                            acceptanceTests: ["env > acceptance.env"], timeout: 30, cwd: dir)
        let outcome = try run(spec, environment: workerEnvironment())
        guard case .succeeded = outcome else { return XCTFail("\(outcome)") }
        for name in ["task.env", "acceptance.env"] {
            let dump = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            assertNoRedisAccess(dump)
            XCTAssertTrue(dump.contains("HARMLESS=kept"), dump)
            XCTAssertTrue(dump.contains("SWARM_TASK_ID=env/dump"), dump)
            XCTAssertTrue(dump.contains("SWARM_FEATURE=env"), dump)
            XCTAssertTrue(dump.contains("SWARM_ATTEMPT=3"), dump)
        }
    }

    /// Agent `env: {X: "${X}"}` is expanded on the worker from its environment: the fake agent
    /// prints the value, not the literal reference; a reference to a connection variable
    /// expands to nothing.
    func testAgentEnvReferencesAreExpandedOnTheWorker() throws {
        let dir = try makeTemporaryDirectory(self)
        let agent = try writeScript(dir, "fake-agent", """
            #!/bin/sh
            echo "key=$MY_API_KEY" > agent.out
            echo "combined=$COMBINED" >> agent.out
            echo "conn=${SMUGGLED-unset}" >> agent.out
            env > agent.env
            """)
        let config = AgentConfig(command: [agent, "{prompt}"], usageJSONField: nil,
                                 env: ["MY_API_KEY": "${MY_API_KEY}", "COMBINED": "a-${MY_API_KEY}-b",
                                       "SMUGGLED": "${SWARM_REDIS_URL}"])
        let spec = TaskSpec(id: "agent", feature: "env", type: "backend", executor: .agent(name: "fake", prompt: "hi"),
                            timeout: 30, cwd: dir)
        let outcome = try run(spec, environment: workerEnvironment(extra: ["MY_API_KEY": "real-value-123"]),
                              agents: ["fake": config])
        guard case .succeeded = outcome else { return XCTFail("\(outcome)") }
        let out = try String(contentsOfFile: dir + "/agent.out", encoding: .utf8)
        XCTAssertEqual(out, "key=real-value-123\ncombined=a-real-value-123-b\nconn=unset\n")
        assertNoRedisAccess(try String(contentsOfFile: dir + "/agent.env", encoding: .utf8))
    }

    /// An acceptance command that holds one of the worker's secrets literally: the failure
    /// reason that leaves the worker is redacted.
    func testFailureReasonsAreRedacted() throws {
        let dir = try makeTemporaryDirectory(self)
        let secret = "hunter2-very-secret-value"
        let spec = TaskSpec(id: "leaky", feature: "env", type: "script", executor: .script(command: "true"),
                            acceptanceTests: ["test '\(secret)' = nope"], timeout: 30, cwd: dir)
        let outcome = try run(spec, environment: ["PATH": "/usr/bin:/bin", "DEPLOY_TOKEN": secret])
        guard case let .failed(_, reason, _, _) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertFalse(reason.contains(secret), reason)
        XCTAssertTrue(reason.contains("acceptance test `test '[REDACTED]' = nope` failed"), reason)
    }

    /// Every string field of a value is checked: a secret in a nested field is found by path.
    func testSecretFieldsFindsEveryStringOfAPlan() throws {
        let redactor = try Redactor(security: SecurityConfig(), environment: [:])
        let feature = Feature(id: "f", description: "uses sk-abcdefghijklmnopqrstuvwx", budget: 0, tasks: [
            TaskSpec(id: "a", feature: "f", type: "script", executor: .script(command: "echo clean")),
            TaskSpec(id: "b", feature: "f", type: "script", executor: .script(command: "echo clean"),
                     inputs: ["Bearer abcdefghijklmnop"]),
        ])
        let fields = redactor.secretFields(in: feature)
        XCTAssertEqual(fields.count, 2, "\(fields)")
        XCTAssertTrue(fields.contains("description"), "\(fields)")
        XCTAssertTrue(fields.contains { $0.hasPrefix("tasks[1].inputs") }, "\(fields)")
    }
}
