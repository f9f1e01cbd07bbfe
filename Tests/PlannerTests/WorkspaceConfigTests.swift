import XCTest
@testable import Planner

/// `worker.workspace_root`, `worker.max_workspaces` and `security.artifact_policy`.
final class WorkspaceConfigTests: XCTestCase {
    func testWorkspaceSettingsAreReadWithTheirDefaults() throws {
        let defaults = SwarmConfig()
        XCTAssertEqual(defaults.security.artifactPolicy, .enforce)
        XCTAssertEqual(defaults.worker.maxWorkspaces, 100)
        XCTAssertEqual(defaults.worker.workspaceRoot, ".swarm/workspaces")
        let config = try SwarmConfig.load(yaml: """
        worker:
          workspace_root: /srv/swarm/ws
          max_workspaces: 7
        security:
          artifact_policy: warn
        """, environment: [:])
        XCTAssertEqual(config.worker.workspaceRoot, "/srv/swarm/ws")
        XCTAssertEqual(config.worker.maxWorkspaces, 7)
        XCTAssertEqual(config.security.artifactPolicy, .warn)
    }

    func testAnUnknownPolicyAndAZeroBoundAreReported() {
        let problems = configProblems("security:\n  artifact_policy: strict\nworker:\n  max_workspaces: 0\n")
        assertProblem(problems, path: "security.artifact_policy", line: 2, contains: ["use enforce, warn or off"])
        assertProblem(problems, path: "worker.max_workspaces", line: 4, contains: ["out of range"])
    }
}
