import Foundation
import Planner
import XCTest
@testable import WorkerAgent

/// A bare "upstream" repository reached by `file://` URL, with an integration branch, and a
/// clone to push new commits to it: what a submitted feature's repository looks like.
struct UpstreamRepository {
    let git = Git(timeout: 60)
    /// The bare repository.
    let bare: String
    /// A working clone for preparing upstream commits.
    let clone: String
    let branch: String

    var url: String { "file://" + bare }

    init(_ test: XCTestCase, branch: String = "swarm/f", files: [String: String] = ["README.md": "hello\n"]) throws {
        let dir = try makeTemporaryDirectory(test)
        bare = dir + "/upstream.git"
        clone = dir + "/clone"
        self.branch = branch
        try git.run(["init", "--bare", "-q", "-b", "main", bare], in: dir)
        try git.run(["init", "-q", "-b", "main", clone], in: dir)
        try commit(files, message: "base")
        try git.run(["push", "-q", bare, "main", "main:\(branch)"], in: clone)
    }

    /// Commits `files` on top of the integration branch and pushes it; returns the commit.
    @discardableResult
    func advance(_ files: [String: String], message: String = "upstream change") throws -> String {
        try git.run(["fetch", "-q", bare, branch], in: clone)
        try git.run(["checkout", "-q", "-B", "work", "FETCH_HEAD"], in: clone)
        try commit(files, message: message)
        try git.run(["push", "-q", bare, "HEAD:\(branch)"], in: clone)
        return try head(of: branch)
    }

    private func commit(_ files: [String: String], message: String) throws {
        for (path, text) in files {
            let full = clone + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        try git.run(["add", "-A"], in: clone)
        try git.run(["commit", "-q", "-m", message], in: clone)
    }

    /// The commit of a branch in the bare repository, nil when it does not exist.
    func head(of branch: String) throws -> String {
        try git.run(["rev-parse", "--verify", "refs/heads/\(branch)"], in: bare).text
    }

    func hasBranch(_ branch: String) -> Bool {
        (try? git.run(["rev-parse", "--verify", "--quiet", "refs/heads/\(branch)"], in: bare)) != nil
    }

    /// Files of a commit (or branch) in the bare repository.
    func files(at ref: String) throws -> [String] {
        try git.run(["ls-tree", "-r", "--name-only", ref], in: bare).lines
    }

    func request(task: String, attempt: Int, artifacts: [String] = ["out/"]) -> WorkspaceRequest {
        WorkspaceRequest(repository: url, integrationBranch: branch, feature: "f", task: task, attempt: attempt,
                         artifacts: artifacts, title: "task \(task)")
    }
}

extension XCTestCase {
    /// Workspaces under a fresh root, with no Redis records.
    func makeWorkspaces(host: String = "h1", maxWorkspaces: Int = 100) throws -> Workspaces {
        Workspaces(root: try makeTemporaryDirectory(self) + "/ws", host: host, git: Git(timeout: 60), maxWorkspaces: maxWorkspaces)
    }
}
