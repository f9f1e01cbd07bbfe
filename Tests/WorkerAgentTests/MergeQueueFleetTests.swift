import Foundation
import Planner
import RedisKit
import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest
@testable import WorkerAgent

/// The merge queue with real workers (worktrees, commits, pushes), a real git repository and a
/// real redis-server: what a swarm of coding agents does to one repository.
final class MergeQueueFleetTests: XCTestCase {
    /// Starts `count` workers with their own workspace roots; stops them when the test ends.
    private func startWorkers(_ count: Int, namespace: String, root: String, policy: ArtifactPolicy = .enforce) throws {
        for i in 0..<count {
            var config = SwarmConfig.trustingTestSigner()
            config.worker.heartbeatInterval = 0.2
            config.worker.workspaceRoot = root + "/host\(i)"
            config.security.artifactPolicy = policy
            let settings = try WorkerSettings(config: config, id: "\(namespace)-w\(i)", host: "host\(i)", environment: testEnvironment)
            let worker = WorkerLoop(settings: settings, url: TestRedis.server.url, namespace: namespace)
            let done = DispatchSemaphore(value: 0)
            Thread { _ = try? worker.run(); done.signal() }.start()
            addTeardownBlock { worker.stop(); _ = done.wait(timeout: .now() + 30) }
        }
    }

    private func submit(_ feature: Feature, git: GitFixture, namespace: String) throws -> (SchedulerClient, RedisConnection) {
        let redis = try TestRedis.fresh()
        let client = try SchedulerClient(redis: redis, namespace: namespace)
        var settings = SchedulerSettings()
        settings.runLease = 20_000
        try client.configure(settings)
        let plan = try PlanLoader(config: SwarmConfig()).validate(feature)
        let repository = try IntegrationBranchSetup.prepare(plan.feature, baseDirectory: git.root)
        _ = try client.submit(plan: plan, signer: testSigner, repository: repository)
        return (client, redis)
    }

    /// Waits until no task is active (or the deadline passes); returns the state counts.
    private func settle(_ client: SchedulerClient, total: Int, timeout: Double) throws -> [String: Int] {
        let deadline = Monotonic.now() + timeout
        while Monotonic.now() < deadline {
            let c = try client.stateCounts()
            if (c["succeeded"] ?? 0) + (c["needs_human"] ?? 0) + (c["failed"] ?? 0) == total { return c }
            sleepSeconds(0.05)
        }
        return try client.stateCounts()
    }

    /// 20 agent-like tasks in a 4-layer DAG (each depends on two seeded-random tasks of the layer
    /// before), 4 workers: the integration branch holds every task's commit; each task's merge
    /// came after its dependencies' (their merged commits are in the task's own commit and in its
    /// merge's first parent); and each task recorded, in its own file, that it saw every
    /// dependency's file in its worktree.
    func testTwentyTaskDAGLandsEveryCommitInDependencyOrderAndDependentsSawTheirDependencies() throws {
        let git = try GitFixture(self)
        var rng = SplitMix64(seed: 13)
        var tasks: [TaskSpec] = []
        for layer in 0..<4 {
            for i in 0..<5 {
                let id = "t\(layer)\(i)"
                var deps: [String] = []
                if layer > 0 {
                    while deps.count < 2 {
                        let d = "t\(layer - 1)\(Int(rng.next() % 5))"
                        if !deps.contains(d) { deps.append(d) }
                    }
                }
                // Like an agent: look at what the dependencies left, write its own files only.
                let checks = deps.map { "if [ -f out/\($0).txt ]; then echo \"\($0) seen\"; else echo \"\($0) MISSING\"; fi" }
                let command = "mkdir -p out seen && { " + (["echo start"] + checks).joined(separator: "; ")
                    + "; } > seen/\(id).txt && echo \(id) > out/\(id).txt"
                tasks.append(TaskSpec(id: id, feature: "dag", type: "script", executor: .script(command: command), dependsOn: deps,
                                      artifacts: ["out/\(id).txt", "seen/\(id).txt"], timeout: 30))
            }
        }
        let (client, _) = try submit(Feature(id: "dag", budget: 0, repo: git.origin, tasks: tasks), git: git, namespace: "mqdag")
        try startWorkers(4, namespace: "mqdag", root: git.root)
        let counts = try settle(client, total: 20, timeout: 55)
        let reasons = try tasks.compactMap { t -> String? in
            let f = try client.taskFields("dag/\(t.id)")
            return f["state"] == "succeeded" ? nil : "\(t.id) \(f["state"] ?? ""): \(f["reason"] ?? "")"
        }
        XCTAssertEqual(counts["succeeded"], 20, "\(counts) \(reasons.prefix(3))")
        guard counts["succeeded"] == 20 else { return }

        let head = try XCTUnwrap(git.head("swarm/dag"))
        var merged: [String: String] = [:], commits: [String: String] = [:]
        for t in tasks {
            let f = try client.taskFields("dag/\(t.id)")
            merged[t.id] = f["merged_commit"]
            commits[t.id] = f["commit"]
        }
        for t in tasks {
            let mine = try XCTUnwrap(commits[t.id], "\(t.id) has no commit")
            let landed = try XCTUnwrap(merged[t.id], "\(t.id) has no merged commit")
            XCTAssertTrue(git.isReachable(mine, from: head), "\(t.id)'s commit is not on the integration branch")
            XCTAssertTrue(git.isReachable(landed, from: head))
            let parents = try git.git(["rev-list", "--parents", "-n", "1", landed], in: git.origin).split(separator: " ")
            for d in t.dependsOn {
                let depMerge = try XCTUnwrap(merged[d])
                XCTAssertTrue(git.isReachable(depMerge, from: mine), "\(t.id) started before \(d) was merged")
                if parents.count == 3 {
                    XCTAssertTrue(git.isReachable(depMerge, from: String(parents[1])), "\(t.id)'s merge's first parent lacks \(d)")
                }
            }
            let seen = try git.git(["show", "\(head):seen/\(t.id).txt"], in: git.origin)
            XCTAssertFalse(seen.contains("MISSING"), "\(t.id): \(seen)")
            XCTAssertEqual(seen.split(separator: "\n").count, 1 + t.dependsOn.count, seen)
        }
    }

    /// Two parallel tasks that declare disjoint artifacts but edit the same file (artifact policy
    /// `warn`, so the merge queue is what catches it): one lands, the other goes to needs_human
    /// with the file named, and both branches survive in the repository.
    func testTwoTasksEditingTheSameFileConflictInTheMergeQueueAndBothBranchesSurvive() throws {
        let git = try GitFixture(self, files: ["shared.txt": "one\ntwo\nthree\n"])
        let tasks = ["a", "b"].map { id in
            TaskSpec(id: id, feature: "cf", type: "script",
                     executor: .script(command: "sleep 0.3; printf 'one\\n\(id) was here\\nthree\\n' > shared.txt; mkdir -p \(id); echo \(id) > \(id)/x"),
                     artifacts: ["\(id)/"], timeout: 30)
        }
        let (client, _) = try submit(Feature(id: "cf", budget: 0, repo: git.origin, tasks: tasks), git: git, namespace: "mqcf")
        try startWorkers(2, namespace: "mqcf", root: git.root, policy: .warn)
        let counts = try settle(client, total: 2, timeout: 40)
        XCTAssertEqual(counts["succeeded"], 1, "\(counts)")
        XCTAssertEqual(counts["needs_human"], 1, "\(counts)")
        let refused = try XCTUnwrap(try ["cf/a", "cf/b"].first { try client.state(of: $0) == "needs_human" })
        let fields = try client.taskFields(refused)
        XCTAssertEqual(fields["conflict_files"], "shared.txt")
        XCTAssertTrue(fields["reason"]?.contains("shared.txt") ?? false, fields["reason"] ?? "")
        for id in ["a", "b"] {
            XCTAssertNotNil(git.head(taskBranchPrefix + "cf/" + id), "branch of \(id) is gone")
        }
        let landed = refused == "cf/a" ? "b" : "a"
        XCTAssertTrue(git.isReachable(try XCTUnwrap(git.head(taskBranchPrefix + "cf/" + landed)), from: "swarm/cf"))
    }
}
