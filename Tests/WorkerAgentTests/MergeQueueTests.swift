import Foundation
import Planner
import RedisKit
import Scheduler
import SwarmTestSupport
import XCTest
@testable import WorkerAgent

/// The merge queue on a real git repository and a real redis-server, with this test playing
/// the workers: it claims tasks, pushes their branches and reports them, then runs the queue.
final class MergeQueueTests: XCTestCase {
    private struct Setup {
        let git: GitFixture
        let redis: RedisConnection
        let client: SchedulerClient
        let repository: FeatureRepository
        let runner: MergeQueueRunner
        let feature: String
    }

    private func setUp(_ feature: String, tasks: [TaskSpec], integrationTests: [[String]] = []) throws -> Setup {
        let git = try GitFixture(self, files: ["shared.txt": "one\ntwo\nthree\n"])
        let redis = try TestRedis.fresh()
        let client = try SchedulerClient(redis: redis, namespace: feature)
        try client.configure(SchedulerSettings())
        _ = try client.register(WorkerRegistration(id: "w1", host: "h", pid: 1, capabilities: [], routes: ["any"], agents: []))
        let f = Feature(id: feature, budget: 0, repo: git.origin, tasks: tasks, integrationTests: integrationTests)
        let plan = try PlanLoader(config: SwarmConfig()).validate(f)
        let repository = try IntegrationBranchSetup.prepare(plan.feature, baseDirectory: git.root)
        _ = try client.submit(plan: plan, signer: testSigner, repository: repository)
        let settings = try WorkerSettings(config: .trustingTestSigner(), id: "merger", host: "h", environment: testEnvironment)
        let runner = MergeQueueRunner(settings: settings, workspaceRoot: git.root + "/ws")
        return Setup(git: git, redis: redis, client: client, repository: repository, runner: runner, feature: feature)
    }

    private func task(_ id: String, _ feature: String, artifacts: [String], deps: [String] = []) -> TaskSpec {
        TaskSpec(id: id, feature: feature, type: "script", executor: .script(command: "true"), dependsOn: deps, artifacts: artifacts)
    }

    /// Claims the next task, pushes `files` on its branch from the integration head and reports it.
    @discardableResult
    private func runTask(_ s: Setup, files: [String: String]) throws -> (gid: String, branch: TaskBranch) {
        guard let started = try s.client.claim(worker: "w1", routes: ["any"], blockSeconds: 1) else {
            throw GitFixtureError(message: "no task to claim")
        }
        let name = taskBranchPrefix + started.gid
        let branch = try s.git.taskBranch(name, from: s.repository.integrationBranch, files: files)
        let reply = try s.client.completeAndClaim(started, worker: "w1", tokensUsed: 0, routes: [], branch: branch)
        XCTAssertEqual(reply.state, .merging)
        return (started.gid, branch)
    }

    /// Submit records the base commit and creates `swarm/<feature>` in the repository, and every
    /// task's signed spec names the repository and the integration branch.
    func testSubmitCreatesTheIntegrationBranchAndSignsTheRepositoryIntoEachSpec() throws {
        let s = try setUp("sub", tasks: [task("a", "sub", artifacts: ["a/"])])
        let main = try XCTUnwrap(s.git.head("main"))
        XCTAssertEqual(s.repository.integrationBranch, "swarm/sub")
        XCTAssertEqual(s.repository.baseCommit, main)
        XCTAssertEqual(s.git.head("swarm/sub"), main)
        let feature = try s.redis.send("HGETALL", s.client.keys.feature("sub")).fieldMap.compactMapValues(\.string)
        XCTAssertEqual(feature["repository"], s.git.origin)
        XCTAssertEqual(feature["integration_branch"], "swarm/sub")
        XCTAssertEqual(feature["base_commit"], main)
        let spec = try TaskSpec.decode(json: Data((try s.client.taskFields("sub/a")["spec"] ?? "").utf8))
        XCTAssertEqual(spec.repository, s.git.origin)
        XCTAssertEqual(spec.integrationBranch, "swarm/sub")
        XCTAssertEqual(spec.baseCommit, main)
        XCTAssertNil(spec.cwd, "a repository task's cwd stays repo-relative (here: the worktree root)")
    }

    /// Two tasks with disjoint artifacts that edit the same line: one lands, the other goes to
    /// needs_human naming the file, both branches survive; `resolve pending` re-runs it on the
    /// new head and it lands.
    func testConflictGoesToAPersonWithTheFileNamedAndResolvePendingLandsTheRerun() throws {
        let s = try setUp("cf", tasks: [task("a", "cf", artifacts: ["a/"]), task("b", "cf", artifacts: ["b/"])])
        let a = try runTask(s, files: ["shared.txt": "one\nTWO by a\nthree\n", "a/x": "a\n"])
        let b = try runTask(s, files: ["shared.txt": "one\nTWO by b\nthree\n", "b/x": "b\n"])
        let summary = s.runner.run(feature: "cf", client: s.client)
        XCTAssertEqual(summary.merged, 1)
        XCTAssertEqual(summary.conflicts, 1)
        let states = [a.gid: try s.client.state(of: a.gid), b.gid: try s.client.state(of: b.gid)]
        let landed = states[a.gid] == "succeeded" ? a : b
        let refused = landed.gid == a.gid ? b : a
        XCTAssertEqual(states[landed.gid], "succeeded")
        XCTAssertEqual(states[refused.gid], "needs_human")
        let fields = try s.client.taskFields(refused.gid)
        XCTAssertEqual(fields["conflict_files"], "shared.txt")
        XCTAssertTrue(fields["reason"]?.contains("shared.txt") ?? false, fields["reason"] ?? "")
        XCTAssertTrue(s.git.isReachable(landed.branch.commit, from: "swarm/cf"))
        XCTAssertFalse(s.git.isReachable(refused.branch.commit, from: "swarm/cf"))
        XCTAssertEqual(s.git.head(landed.branch.name), landed.branch.commit, "the merged task's branch survives")
        XCTAssertEqual(s.git.head(refused.branch.name), refused.branch.commit, "the conflicting branch survives")
        let events = try s.redis.send("XRANGE", s.client.keys.events, "-", "+").array ?? []
        let types = events.compactMap { $0.array?.last?.array?.compactMap(\.string) }.compactMap { f in
            stride(from: 0, to: f.count - 1, by: 2).first { f[$0] == "type" }.map { f[$0 + 1] }
        }
        for t in ["merge_queued", "merge_started", "merged", "merge_conflict"] { XCTAssertTrue(types.contains(t), "no \(t) event") }

        // A person asks for a re-run: it starts from the new integration head and lands.
        XCTAssertEqual(try s.client.resolve(refused.gid, .pending), .ready)
        let rerun = try runTask(s, files: ["b/x": "b again\n", "a/x": "a\n"])
        XCTAssertEqual(rerun.gid, refused.gid)
        XCTAssertEqual(s.runner.run(feature: "cf", client: s.client).merged, 1)
        XCTAssertEqual(try s.client.state(of: refused.gid), "succeeded")
        XCTAssertTrue(s.git.isReachable(landed.branch.commit, from: "swarm/cf"))
        XCTAssertTrue(s.git.isReachable(rerun.branch.commit, from: "swarm/cf"))
    }

    /// `resolve done` after a conflict accepts a branch a person merged by hand: the task
    /// succeeds and its dependent is admitted.
    func testResolveDoneAfterAConflictAcceptsAHandMergeAndAdmitsDependents() throws {
        let s = try setUp("hd", tasks: [task("a", "hd", artifacts: ["a/"]), task("b", "hd", artifacts: ["b/"]),
                                        task("c", "hd", artifacts: ["c/"], deps: ["a", "b"])])
        _ = try runTask(s, files: ["shared.txt": "A\n"])
        _ = try runTask(s, files: ["shared.txt": "B\n"])
        _ = s.runner.run(feature: "hd", client: s.client)
        let refused = try ["hd/a", "hd/b"].first { try s.client.state(of: $0) == "needs_human" }
        let gid = try XCTUnwrap(refused)
        XCTAssertEqual(try s.client.state(of: "hd/c"), "blocked")
        // A person merges the branch by hand and pushes the integration branch.
        try s.git.git(["fetch", "-q", "origin"], in: s.git.clone)
        try s.git.git(["checkout", "-q", "-B", "fix", "origin/swarm/hd"], in: s.git.clone)
        _ = try? s.git.git(["merge", "-q", "origin/" + taskBranchPrefix + gid], in: s.git.clone)
        try s.git.write("shared.txt", "A and B\n")
        try s.git.commit("merged by hand")
        try s.git.git(["push", "-q", "origin", "fix:swarm/hd"], in: s.git.clone)
        XCTAssertEqual(try s.client.resolve(gid, .done), .succeeded)
        XCTAssertEqual(try s.client.state(of: "hd/c"), "dispatched", "the dependent is admitted once both dependencies are done")
    }

    /// A failing integration test after a merge reverts nothing: the merge stays on the branch,
    /// the task goes to a person, the feature's merges stop (the next queued task waits in
    /// `merging`) until the task is resolved.
    func testFailingIntegrationTestStopsTheFeaturesMergesUntilResolved() throws {
        let s = try setUp("it", tasks: [task("a", "it", artifacts: ["a/"]), task("b", "it", artifacts: ["b/"])],
                          integrationTests: [["sh", "-c", "test ! -e a/broken"]])
        let a = try runTask(s, files: ["a/broken": "x\n"])
        let b = try runTask(s, files: ["b/fine": "y\n"])
        let summary = s.runner.run(feature: "it", client: s.client)
        XCTAssertTrue(summary.stopped)
        XCTAssertEqual(summary.merged, 0)
        XCTAssertEqual(try s.client.state(of: a.gid), "needs_human")
        XCTAssertTrue(try s.client.taskFields(a.gid)["reason"]?.contains("integration test") ?? false)
        XCTAssertTrue(s.git.isReachable(a.branch.commit, from: "swarm/it"), "nothing is reverted")
        XCTAssertEqual(try s.client.state(of: b.gid), "merging")
        let stopped = try s.redis.send("HGET", s.client.keys.feature("it"), "merges_stopped").string
        XCTAssertTrue(stopped?.contains("integration test") ?? false, stopped ?? "no merges_stopped flag")
        XCTAssertEqual(try s.client.mergeNext(feature: "it", lockToken: "t", worker: "x", leaseMs: 1000),
                       .stopped(reason: stopped ?? ""))
        XCTAssertEqual(try s.client.mergeOrphans(quietMs: 0), [], "a stopped queue is nobody's to pick up")

        // A person fixes the integration branch and resolves the task: merges go on.
        try s.git.git(["fetch", "-q", "origin"], in: s.git.clone)
        try s.git.git(["checkout", "-q", "-B", "fix", "origin/swarm/it"], in: s.git.clone)
        try s.git.git(["rm", "-q", "a/broken"], in: s.git.clone)
        try s.git.commit("fix the integration branch")
        try s.git.git(["push", "-q", "origin", "fix:swarm/it"], in: s.git.clone)
        XCTAssertEqual(try s.client.resolve(a.gid, .done), .succeeded)
        XCTAssertEqual(try s.client.mergeOrphans(quietMs: 0), ["it"])
        XCTAssertEqual(s.runner.run(feature: "it", client: s.client).merged, 1)
        XCTAssertEqual(try s.client.state(of: b.gid), "succeeded")
        XCTAssertTrue(s.git.isReachable(b.branch.commit, from: "swarm/it"))
    }

    /// A merger that dies holding the feature's lock stops nobody for long: while its lease runs
    /// the queue is its own (another runner backs off, `merge_orphans` does not offer it); once
    /// the lease expires the queue is offered and the next runner lands the work.
    func testAQueueWhoseMergerDiedIsPickedUpOnceItsLockExpires() throws {
        let s = try setUp("or", tasks: [task("a", "or", artifacts: ["a/"])])
        let a = try runTask(s, files: ["a/x": "x\n"])
        // A merger takes the lock for 400 ms and dies before merging.
        guard case .item = try s.client.mergeNext(feature: "or", lockToken: "dead-merger", worker: "dead", leaseMs: 400) else {
            return XCTFail("the dead merger got nothing")
        }
        XCTAssertEqual(s.runner.run(feature: "or", client: s.client).merged, 0, "the lock is still the dead merger's")
        XCTAssertEqual(try s.client.mergeOrphans(quietMs: 0), [])
        XCTAssertEqual(try s.client.state(of: a.gid), "merging")
        XCTAssertTrue(eventually(timeout: 5) { (try? s.client.mergeOrphans(quietMs: 0)) == ["or"] })
        XCTAssertEqual(s.runner.run(feature: "or", client: s.client).merged, 1)
        XCTAssertEqual(try s.client.state(of: a.gid), "succeeded")
        XCTAssertTrue(s.git.isReachable(a.branch.commit, from: "swarm/or"))
        // A late report of the dead merger is refused: the queue moved on.
        XCTAssertThrowsError(try s.client.merged(a.gid, lockToken: "dead-merger", commit: a.branch.commit, method: .already, worker: "dead"))
    }

    /// A `merging` task keeps its artifact locks (a later writer of the same paths waits for the
    /// merge); cancelling it takes it off the queue and frees them.
    func testMergingTaskHoldsItsLocksUntilMergedOrCancelled() throws {
        let s = try setUp("lk", tasks: [task("a", "lk", artifacts: ["src/"]), task("b", "lk", artifacts: ["src/x"])])
        let first = try runTask(s, files: ["src/a": "a\n"])
        let other = first.gid == "lk/a" ? "lk/b" : "lk/a"
        XCTAssertEqual(try s.client.state(of: other), "ready", "the overlapping writer waits while \(first.gid) is merging")
        XCTAssertEqual(try s.client.cancel(first.gid), 1)
        XCTAssertEqual(try s.client.state(of: other), "dispatched", "cancelling the merging task frees its locks")
        XCTAssertEqual(s.runner.run(feature: "lk", client: s.client).merged, 0, "a cancelled task is not merged")
        XCTAssertFalse(s.git.isReachable(first.branch.commit, from: "swarm/lk"))
    }
}
