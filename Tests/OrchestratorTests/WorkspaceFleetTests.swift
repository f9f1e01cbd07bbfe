import Foundation
import Planner
import RedisKit
import Scheduler
import SwarmTestSupport
import WorkerAgent
import XCTest

/// Repository tasks run by real workers (`orchestrator up` / `orchestrator worker`) on a real
/// redis-server and real git: a worker killed mid-task, and two hosts that share nothing but
/// Redis and a bare repository reached by `file://` URL. Verdicts come from files the tasks
/// wrote and from the repository itself.
final class WorkspaceFleetTests: XCTestCase {
    /// A bare repository with one commit on `main`, reached by `file://`.
    private func makeUpstream(_ dir: String) throws -> String {
        let git = Git(timeout: 60)
        let bare = dir + "/upstream.git", clone = dir + "/seed"
        try git.run(["init", "--bare", "-q", "-b", "main", bare], in: nil)
        try git.run(["init", "-q", "-b", "main", clone], in: nil)
        try "hello\n".write(toFile: clone + "/README.md", atomically: true, encoding: .utf8)
        try git.run(["add", "-A"], in: clone)
        try git.run(["commit", "-q", "-m", "base"], in: clone)
        try git.run(["push", "-q", bare, "main"], in: clone)
        return bare
    }

    private func files(_ bare: String, _ ref: String) -> [String] {
        (try? Git().run(["ls-tree", "-r", "--name-only", ref], in: bare).lines) ?? []
    }

    /// kill -9 of the worker running a repository task: the rerun starts in a fresh worktree
    /// where nothing the killed attempt wrote exists (the tasks list their worktree themselves),
    /// and the killed attempt's worktree is removed.
    func testAKilledWorkersRerunStartsFromAFreshWorktreeAndTheKilledOneIsRemoved() throws {
        let root = NSTemporaryDirectory() + "swarm-wsroot-\(UUID().uuidString)"
        let ws = try TestWorkspace(namespace: "ws-kill", extraConfig: "  workspace_root: \(root)\n")
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try TestRedis.fresh()
        let bare = try makeUpstream(ws.dir)
        let evidence = ws.dir + "/evidence"
        try FileManager.default.createDirectory(atPath: evidence, withIntermediateDirectories: true)
        // Each attempt records its working directory and what it found there, writes a partial
        // file, and (the first attempt only) then waits to be killed.
        let command = "pwd > \(evidence)/cwd-$SWARM_ATTEMPT; ls -A > \(evidence)/seen-$SWARM_ATTEMPT; "
            + "mkdir -p out; echo $SWARM_ATTEMPT > out/partial-$SWARM_ATTEMPT.txt; "
            + "if mkdir \(evidence)/first 2>/dev/null; then sleep 60; fi; echo done > out/result.txt"
        let plan = try ws.write("p.yaml", """
        feature: wk
        budget: 0
        repo: file://\(bare)
        tasks:
          - id: t
            type: script
            command: "\(command)"
            artifacts: [out/]
            retries: 0
        """)
        let up = try CLIProcess(["up", "--workers", "2"] + ws.configArgs, env: ws.env)
        defer { kill(up.process.processIdentifier, SIGKILL) }
        let submitted = try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env)
        XCTAssertEqual(submitted.0, 0, submitted.2)
        let c = try ws.client()
        XCTAssertTrue(waitUntil(30) { FileManager.default.fileExists(atPath: evidence + "/first") }, "the task never started: \(up.stderr)")
        let worker = try XCTUnwrap(try StatusSnapshot.gather(c).workers.first { $0.task == "wk/t" && $0.pid > 0 })
        XCTAssertEqual(kill(pid_t(worker.pid), SIGKILL), 0)

        XCTAssertTrue(waitUntil(40) { (try? c.state(of: "wk/t")) == "succeeded" }, "the rerun did not finish: \(up.stderr)")
        let attempts = try FileManager.default.contentsOfDirectory(atPath: evidence).filter { $0.hasPrefix("cwd-") }
            .compactMap { Int($0.dropFirst(4)) }.sorted()
        XCTAssertEqual(attempts.count, 2, "expected the killed attempt and its rerun: \(attempts)")
        let (killed, rerun) = (attempts[0], attempts[1])
        let killedPath = try String(contentsOfFile: "\(evidence)/cwd-\(killed)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let rerunPath = try String(contentsOfFile: "\(evidence)/cwd-\(rerun)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotEqual(killedPath, rerunPath)
        let seen = try String(contentsOfFile: "\(evidence)/seen-\(rerun)", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertTrue(seen.contains("README.md"), "the rerun's worktree is not a checkout: \(seen)")
        XCTAssertFalse(seen.contains("out"), "the rerun found the killed attempt's files: \(seen)")
        // The killed attempt's worktree is gone (the rerun on this host, or a sweep, removed it).
        XCTAssertTrue(waitUntil(20) { !FileManager.default.fileExists(atPath: killedPath) }, "\(killedPath) is still there")
        // What the repository got is the rerun's work alone.
        let branchFiles = files(bare, "refs/heads/swarm-task/wk/t")
        XCTAssertEqual(Set(branchFiles), ["README.md", "out/partial-\(rerun).txt", "out/result.txt"])
        kill(up.process.processIdentifier, SIGTERM)
        XCTAssertEqual(up.wait(timeout: 30), 0, up.stderr)
    }

    /// Two workers on two "hosts" that share nothing but Redis and a bare repository reached by
    /// `file://` URL (own state directories, workspace roots, working directories; the second
    /// trusts the first one's public key as text): each runs its tasks in its own mirror and
    /// pushes its branch back to the repository.
    func testTwoHostsSharingOnlyRedisAndARepositoryURLEachPushTheirWork() throws {
        let ws = try TestWorkspace(namespace: "ws-hosts")
        _ = try TestRedis.fresh()
        let bare = try makeUpstream(ws.dir)
        var hostDirs: [String: String] = [:]
        for host in ["h1", "h2"] {
            let d = ws.dir + "/" + host
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            hostDirs[host] = d
        }
        func config(_ host: String, trusted: String = "") -> String {
            let d = hostDirs[host]!
            // h1 names its workspace root in config, h2 on its command line (--workspace-root).
            return fastTestConfig(dir: d, redis: ["namespace: \(ws.namespace)"]) + (host == "h1" ? "  workspace_root: \(d)/workspaces\n" : "")
                + (trusted.isEmpty ? "" : "security:\n  trusted_keys: [\"\(trusted)\"]\n")
        }
        let configA = hostDirs["h1"]! + "/config.yaml"
        try config("h1").write(toFile: configA, atomically: true, encoding: .utf8)
        let loop = SchedulerLoop(url: TestRedis.server.url, namespace: ws.namespace, maxSleep: 0.05)
        loop.start()
        defer { loop.stop() }
        let h1 = try CLIProcess(["worker", "--id", "w-h1", "--host", "h1", "--config", configA], env: ws.env, cwd: hostDirs["h1"])
        defer { kill(h1.process.processIdentifier, SIGKILL) }
        let publicKey = hostDirs["h1"]! + "/state/signing.pub"
        XCTAssertTrue(waitUntil(20) { FileManager.default.fileExists(atPath: publicKey) }, h1.stderr)
        let keyText = try String(contentsOfFile: publicKey, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let configB = hostDirs["h2"]! + "/config.yaml"
        try config("h2", trusted: keyText).write(toFile: configB, atomically: true, encoding: .utf8)
        let h2 = try CLIProcess(["worker", "--id", "w-h2", "--host", "h2", "--workspace-root", "workspaces", "--config", configB],
                                env: ws.env, cwd: hostDirs["h2"])
        defer { kill(h2.process.processIdentifier, SIGKILL) }

        let plan = try ws.write("p.yaml", """
        feature: two
        budget: 0
        repo: file://\(bare)
        tasks:
          - { id: a1, type: script, command: "mkdir -p a && echo a1 > a/a1.txt", artifacts: [a/a1.txt], machine: h1 }
          - { id: a2, type: script, command: "mkdir -p a && echo a2 > a/a2.txt", artifacts: [a/a2.txt], machine: h1 }
          - { id: b1, type: script, command: "mkdir -p b && echo b1 > b/b1.txt", artifacts: [b/b1.txt], machine: h2 }
          - { id: b2, type: script, command: "mkdir -p b && echo b2 > b/b2.txt", artifacts: [b/b2.txt], machine: h2 }
          - { id: bad, type: script, command: "mkdir -p b && echo ok > b/bad.txt && echo x > stray.txt", artifacts: [b/bad.txt], machine: h2 }
        """)
        let submitted = try CLIProcess.run(["submit", plan, "--config", configA], env: ws.env, cwd: hostDirs["h1"])
        XCTAssertEqual(submitted.0, 0, submitted.2)
        let c = try ws.client()
        let tasks = ["a1", "a2", "b1", "b2"]
        let states = { tasks.map { (try? c.state(of: "two/\($0)")) ?? "?" } }
        XCTAssertTrue(waitUntil(60) { states().allSatisfy { $0 == "merging" || $0 == "succeeded" } },
                      "states: \(states()); h1: \(h1.stderr)\nh2: \(h2.stderr)")
        // The merge queue lands both hosts' pushed branches on the integration branch. A worker
        // that reported runs it; should none be left to, any merger can: here the test's own
        // (a third place sharing only Redis and the URL; a no-op when the queue is done).
        var mergerConfig = SwarmConfig()
        mergerConfig.security.trustedKeys = [keyText]
        mergerConfig.orchestrator.stateDir = ws.dir + "/merger-state"
        let merger = MergeQueueRunner(settings: try WorkerSettings(config: mergerConfig, id: "merger", host: "m",
                                                                   environment: ["PATH": "/usr/local/bin:/usr/bin:/bin"]),
                                      workspaceRoot: ws.dir + "/merger-ws")
        XCTAssertTrue(waitUntil(60) {
            _ = merger.run(feature: "two", client: c)
            return states().allSatisfy { $0 == "succeeded" }
        }, "states: \(states())")
        XCTAssertEqual(Set(files(bare, "refs/heads/swarm/two")), ["README.md", "a/a1.txt", "a/a2.txt", "b/b1.txt", "b/b2.txt"])

        // The task that wrote outside its artifacts went to a person with the path named; its
        // worktree is kept on h2 and listed from anywhere; discarding it on h2 removes it.
        XCTAssertTrue(waitUntil(20) { (try? c.state(of: "two/bad")) == "needs_human" })
        let reason = try c.taskFields("two/bad")["reason"] ?? ""
        XCTAssertTrue(reason.contains("wrote outside its artifacts: stray.txt"), reason)
        XCTAssertTrue(files(bare, "refs/heads/swarm-task/two/bad").contains("stray.txt"), "the commit is not on its branch")
        var listed = (Int32(-1), "", "")
        XCTAssertTrue(waitUntil(20) {
            listed = (try? CLIProcess.run(["workspaces", "--feature", "two", "--config", configA], env: ws.env)) ?? listed
            return listed.1.contains("two/bad#")
        }, listed.1 + listed.2)
        let line = try XCTUnwrap(listed.1.split(separator: "\n").first { $0.contains("two/bad#") })
        XCTAssertTrue(line.contains("h2") && line.contains("kept") && line.contains("wrote outside its artifacts"), String(line))
        let record = try XCTUnwrap(try c.workspaces(feature: "two").first { $0.task == "bad" })
        XCTAssertTrue(record.path.hasPrefix(hostDirs["h2"]! + "/workspaces/"), record.path)
        let discarded = try CLIProcess.run(["discard", record.id, "--host", "h2", "--config", configB], env: ws.env)
        XCTAssertEqual(discarded.0, 0, discarded.2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: record.path))
        XCTAssertNil(try c.workspace(id: record.id))
        var ranOn: [String: String] = [:]
        for e in try ws.events() where e.type == "running" { ranOn[e.task] = e.fields["worker"] }
        for t in tasks {
            let host = t.hasPrefix("a") ? "h1" : "h2"
            XCTAssertEqual(ranOn["two/\(t)"], "w-\(host)", t)
            let dir = t.hasPrefix("a") ? "a" : "b"
            XCTAssertTrue(files(bare, "refs/heads/swarm-task/two/\(t)").contains("\(dir)/\(t).txt"), "\(t)'s branch lacks its file")
            let author = try Git().run(["log", "-1", "--format=%an", "refs/heads/swarm-task/two/\(t)"], in: bare).text
            XCTAssertTrue(author.hasPrefix("Swarm task two/\(t) attempt"), author)
        }
        // Each host fetched into its own mirror; neither touched the other's workspace root.
        for (host, other) in [("h1", "h2"), ("h2", "h1")] {
            let mirrors = (try? FileManager.default.contentsOfDirectory(atPath: hostDirs[host]! + "/workspaces/mirrors")) ?? []
            XCTAssertTrue(mirrors.contains { $0.hasSuffix(".git") }, "\(host) has no mirror")
            let theirs = (try? FileManager.default.contentsOfDirectory(atPath: hostDirs[host]! + "/workspaces/worktrees/two")) ?? []
            XCTAssertFalse(theirs.contains { $0.hasPrefix(other == "h1" ? "a" : "b") }, "\(host) holds a worktree of \(other)'s task")
        }
        kill(h1.process.processIdentifier, SIGTERM)
        kill(h2.process.processIdentifier, SIGTERM)
        XCTAssertEqual(h1.wait(timeout: 15), 0, h1.stderr)
        XCTAssertEqual(h2.wait(timeout: 15), 0, h2.stderr)
    }
}
