import Foundation
import Planner
import XCTest
@testable import WorkerAgent

/// A repository task run end to end by `TaskRun` in its worktree: the commit, the artifact
/// policy (enforce, warn, off) and the push of the task branch.
final class ArtifactPolicyTests: XCTestCase {
    private func run(_ command: String, policy: ArtifactPolicy, up: UpstreamRepository, task: String = "t",
                     acceptance: [String] = []) throws -> (TaskOutcome, Workspaces) {
        var config = SwarmConfig()
        config.security.requireSignatures = false
        config.security.artifactPolicy = policy
        config.worker.workspaceRoot = try makeTemporaryDirectory(self) + "/ws"
        let settings = try WorkerSettings(config: config, id: "w1", host: "h1", environment: testEnvironment)
        let spec = TaskSpec(id: task, feature: "f", type: "script", executor: .script(command: command),
                            artifacts: ["out/"], acceptanceTests: acceptance, timeout: 60)
        let run = TaskRun(settings: settings)
        let outcome = run.run(spec, attempt: 1, workspace: up.request(task: task, attempt: 1), cancellation: nil)
        return (outcome, run.workspaces)
    }

    func testATaskThatWritesOutsideItsArtifactsGoesToAPersonWithThePathsListed() throws {
        let up = try UpstreamRepository(self)
        let (outcome, workspaces) = try run("mkdir -p out && echo ok > out/a.txt && echo sneaky > README.md && echo x > stray.txt",
                                            policy: .enforce, up: up)
        guard case let .failed(kind, reason, _, _) = outcome else { return XCTFail("expected needs_human, got \(outcome)") }
        XCTAssertEqual(kind, .human)
        XCTAssertTrue(reason.contains("wrote outside its artifacts: README.md, stray.txt"), reason)
        XCTAssertFalse(reason.contains("out/a.txt"), reason)
        // The commit stays on its branch (pushed) and in the kept worktree.
        let commit = try up.head(of: "swarm-task/f/t")
        XCTAssertTrue(reason.contains(String(commit.prefix(12))), reason)
        XCTAssertEqual(Set(try up.files(at: commit)), ["README.md", "out/a.txt", "stray.txt"])
        let kept = workspaces.localRecords()
        XCTAssertEqual(kept.map(\.state), [.kept])
        XCTAssertEqual(kept.first?.commit, commit)
        XCTAssertTrue(kept.first?.why.contains("stray.txt") ?? false)
    }

    func testWarnLetsTheTaskSucceedAndSaysWhichPathsWereOutside() throws {
        let up = try UpstreamRepository(self)
        let (outcome, workspaces) = try run("mkdir -p out && echo ok > out/a.txt && echo x > stray.txt", policy: .warn, up: up)
        guard case let .succeeded(_, result, branch) = outcome else { return XCTFail("expected success, got \(outcome)") }
        XCTAssertTrue(result.contains("wrote outside its artifacts: stray.txt"), result)
        XCTAssertEqual(branch?.name, "swarm-task/f/t")
        XCTAssertEqual(try up.head(of: "swarm-task/f/t"), branch?.commit)
        XCTAssertEqual(workspaces.localRecords().map(\.state), [.awaitingMerge])
    }

    func testOffChecksNothing() throws {
        let up = try UpstreamRepository(self)
        let (outcome, _) = try run("echo x > stray.txt", policy: .off, up: up)
        guard case let .succeeded(_, result, branch) = outcome else { return XCTFail("expected success, got \(outcome)") }
        XCTAssertFalse(result.contains("outside"), result)
        XCTAssertNotNil(branch)
    }

    func testASuccessfulTaskIsCommittedAsItsAttemptAndPushedOnTopOfTheIntegrationHead() throws {
        let up = try UpstreamRepository(self)
        let base = try up.head(of: "swarm/f")
        // The acceptance test runs in the worktree too, and what it writes is not committed.
        let (outcome, _) = try run("mkdir -p out && echo done > out/result.txt", policy: .enforce, up: up,
                                   acceptance: ["test -f out/result.txt && test -f README.md && echo log > acceptance.log"])
        guard case let .succeeded(_, _, branch) = outcome, let branch else { return XCTFail("expected success, got \(outcome)") }
        let git = Git()
        XCTAssertEqual(try git.run(["rev-parse", "\(branch.commit)^"], in: up.bare).text, base)
        XCTAssertEqual(try git.run(["log", "-1", "--format=%an|%s", branch.commit], in: up.bare).text,
                       "Swarm task f/t attempt 1|f/t attempt 1: task t")
        XCTAssertEqual(Set(try up.files(at: branch.commit)), ["README.md", "out/result.txt"])
    }

    func testAFailedTaskKeepsItsWorktreeAndPushesNothing() throws {
        let up = try UpstreamRepository(self)
        let (outcome, workspaces) = try run("mkdir -p out && echo half > out/x && exit 3", policy: .enforce, up: up)
        guard case let .failed(kind, reason, _, _) = outcome else { return XCTFail("expected failure, got \(outcome)") }
        XCTAssertEqual(kind, .error)
        XCTAssertEqual(reason, "exit 3")
        XCTAssertFalse(up.hasBranch("swarm-task/f/t"))
        let kept = try XCTUnwrap(workspaces.localRecords().first)
        XCTAssertEqual(kept.state, .kept)
        XCTAssertEqual(kept.why, "exit 3")
        XCTAssertTrue(FileManager.default.fileExists(atPath: kept.path + "/out/x"))
    }
}
