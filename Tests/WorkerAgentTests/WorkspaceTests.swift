import Foundation
import Planner
import XCTest
@testable import WorkerAgent

/// Mirrors and per-attempt worktrees on real git repositories.
final class WorkspaceTests: XCTestCase {
    func testTheMirrorIsCreatedOnceAndAfterwardsOnlyFetched() throws {
        let up = try UpstreamRepository(self)
        let workspaces = try makeWorkspaces()
        let first = try workspaces.prepare(up.request(task: "a", attempt: 1))
        workspaces.keep(first, why: "test")
        // Something only this mirror holds: a re-clone would lose it.
        let evidence = first.mirror.path + "/swarm-test-evidence"
        try "here".write(toFile: evidence, atomically: true, encoding: .utf8)
        let newHead = try up.advance(["src/new.txt": "new\n"])
        let second = try workspaces.prepare(up.request(task: "b", attempt: 1))
        defer { workspaces.keep(second, why: "test") }
        XCTAssertEqual(second.mirror.path, first.mirror.path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: evidence), "the mirror was cloned again")
        XCTAssertEqual(second.base, newHead, "the worktree starts from the integration head as just fetched")
        XCTAssertTrue(FileManager.default.fileExists(atPath: second.path + "/src/new.txt"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: first.path + "/src/new.txt"))
    }

    func testEveryAttemptGetsAFreshWorktreeAndTheKeptOneKeepsItsFilesAndBranch() throws {
        let up = try UpstreamRepository(self)
        let workspaces = try makeWorkspaces()
        let one = try workspaces.prepare(up.request(task: "t", attempt: 1))
        try "half-written\n".write(toFile: one.path + "/junk.txt", atomically: true, encoding: .utf8)
        workspaces.keep(one, why: "exit 1")
        let two = try workspaces.prepare(up.request(task: "t", attempt: 2))
        defer { workspaces.keep(two, why: "test") }
        XCTAssertNotEqual(one.path, two.path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: two.path + "/junk.txt"), "a file of attempt 1 leaked into attempt 2")
        XCTAssertTrue(FileManager.default.fileExists(atPath: one.path + "/junk.txt"), "the kept worktree lost its files")
        let git = Git()
        XCTAssertEqual(try git.run(["symbolic-ref", "HEAD"], in: two.path).text, "refs/heads/swarm-task/f/t")
        XCTAssertEqual(try git.run(["symbolic-ref", "HEAD"], in: one.path).text, "refs/heads/swarm-kept/f/t/attempt-1")
        XCTAssertEqual(WorkspaceFiles.readMarker(one.path)?.branch, "swarm-kept/f/t/attempt-1")
        XCTAssertEqual(WorkspaceFiles.readMarker(one.path)?.state, .kept)
    }

    func testAKilledAttemptsWorktreeIsRemovedBySweepAndByTheNextAttempt() throws {
        let up = try UpstreamRepository(self)
        let workspaces = try makeWorkspaces()
        // A killed worker: its marker says active and its lock is gone (the kernel drops it).
        let killed = try workspaces.prepare(up.request(task: "k", attempt: 1))
        try "partial\n".write(toFile: killed.path + "/out.txt", atomically: true, encoding: .utf8)
        killed.lock.unlock()
        let rerun = try workspaces.prepare(up.request(task: "k", attempt: 2))
        XCTAssertFalse(FileManager.default.fileExists(atPath: killed.path), "the next attempt leaves the killed one's worktree")
        XCTAssertFalse(FileManager.default.fileExists(atPath: rerun.path + "/out.txt"))
        // And the sweep on its own: another killed attempt, of another task.
        let other = try workspaces.prepare(up.request(task: "o", attempt: 1))
        other.lock.unlock()
        XCTAssertEqual(workspaces.sweep(), ["f/o#1"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: other.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: rerun.path), "the sweep must not touch a live attempt")
        workspaces.keep(rerun, why: "test")
    }

    func testConcurrentAttemptsOnOneMirrorAllGetTheirWorktrees() throws {
        let up = try UpstreamRepository(self)
        let workspaces = try makeWorkspaces()
        let count = 8
        let results = ResultBox(count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            results.set(i, Result { () throws -> String in
                let ws = try workspaces.prepare(up.request(task: "c\(i)", attempt: 1))
                try "\(i)\n".write(toFile: ws.path + "/c\(i).txt", atomically: true, encoding: .utf8)
                let c = try workspaces.commit(ws)
                try workspaces.push(ws, c.commit)
                workspaces.awaitMerge(ws, c.commit)
                return c.commit
            })
        }
        for i in 0..<count {
            let commit = try results.get(i).get()
            XCTAssertEqual(try up.head(of: "swarm-task/f/c\(i)"), commit)
        }
        let mirror = try workspaces.mirrors.mirror(for: up.url)
        XCTAssertNoThrow(try Git().run(["fsck", "--no-progress"], in: mirror.path))
    }

    func testOnlyMergedWorktreesAreEvictedPastMaxWorkspacesOldestFirst() throws {
        let up = try UpstreamRepository(self)
        let workspaces = try makeWorkspaces(maxWorkspaces: 3)
        var made: [Workspace] = []
        for task in ["old", "mid", "kept"] {
            let ws = try workspaces.prepare(up.request(task: task, attempt: 1))
            workspaces.keep(ws, why: "test")
            made.append(ws)
        }
        for ws in made.prefix(2) {
            var r = try XCTUnwrap(WorkspaceFiles.readMarker(ws.path))
            r.state = .merged
            try WorkspaceFiles.writeMarker(r)
        }
        let next = try workspaces.prepare(up.request(task: "new", attempt: 1))
        defer { workspaces.keep(next, why: "test") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: made[0].path), "the oldest merged worktree goes first")
        XCTAssertTrue(FileManager.default.fileExists(atPath: made[1].path), "only as many as needed go")
        XCTAssertTrue(FileManager.default.fileExists(atPath: made[2].path), "a kept worktree is never evicted")
    }

    func testARequestThatCouldSteerGitIsRefused() throws {
        let workspaces = try makeWorkspaces()
        for repo in ["ext::sh -c touch% /tmp/pwned", "--upload-pack=touch /tmp/pwned", "fd::3"] {
            var r = WorkspaceRequest(repository: repo, integrationBranch: "swarm/f", feature: "f", task: "t", attempt: 1, artifacts: [])
            XCTAssertThrowsError(try workspaces.prepare(r)) { error in
                guard case .badRequest = error as? WorkspaceError else { return XCTFail("\(error)") }
            }
            r.repository = "file:///tmp/x"
            r.task = "../escape"
            XCTAssertThrowsError(try workspaces.prepare(r))
        }
    }

    func testChangedPathsOutsideTheArtifactsAreFound() {
        XCTAssertEqual(ArtifactCheck.outside(changed: ["out/a.txt", "out/sub/b", "src/x.swift", "outside.txt", "README.md"],
                                             artifacts: ["out/", "README.md"]),
                       ["src/x.swift", "outside.txt"])
        XCTAssertEqual(ArtifactCheck.outside(changed: ["src/api/x", "src/apix"], artifacts: ["src/api"]), ["src/apix"])
        XCTAssertEqual(ArtifactCheck.outside(changed: ["a"], artifacts: []), ["a"])
    }
}

/// Results written from `concurrentPerform`.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Result<String, Error>?]
    init(_ n: Int) { values = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ r: Result<String, Error>) { lock.lock(); values[i] = r; lock.unlock() }
    func get(_ i: Int) -> Result<String, Error> {
        lock.lock(); defer { lock.unlock() }
        return values[i] ?? .failure(WorkspaceError.badRequest("no result"))
    }
}
