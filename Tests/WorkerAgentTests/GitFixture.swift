import Foundation
import Planner
import Scheduler
import XCTest
@testable import WorkerAgent

/// A real git repository for merge-queue tests: a bare `origin.git` (what features name as
/// their `repo`) with one commit on `main`, and a scratch clone that plays the worker (or a
/// person) making task branches and pushing them.
struct GitFixture {
    let root: String
    var origin: String { root + "/origin.git" }
    var clone: String { root + "/clone" }

    init(_ test: XCTestCase, files: [String: String] = ["README": "base\n"]) throws {
        root = try makeTemporaryDirectory(test)
        try git(["init", "-q", "--bare", "-b", "main", origin])
        try git(["clone", "-q", origin, clone])
        try git(["checkout", "-q", "-b", "main"], in: clone)
        for (path, text) in files { try write(path, text) }
        try commit("initial")
        try git(["push", "-q", "origin", "main"], in: clone)
    }

    /// Runs git (argument vector, 60 s at most) and returns its trimmed standard output.
    @discardableResult
    func git(_ arguments: [String], in directory: String? = nil) throws -> String {
        let request = ProcessRequest(argv: ["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid",
                                            "-c", "advice.detachedHead=false", "-c", "init.defaultBranch=main"] + arguments,
                                     environment: testEnvironment.merging(["HOME": root], uniquingKeysWith: { $1 }),
                                     workingDirectory: directory, timeout: 60)
        let r = try ProcessRunner(redactor: .defaults()).run(request)
        guard r.succeeded else { throw GitFixtureError(message: "git \(arguments.joined(separator: " ")): \(r.termination): \(r.output)") }
        return r.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func write(_ path: String, _ text: String) throws {
        let full = clone + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    @discardableResult
    func commit(_ message: String) throws -> String {
        try git(["add", "-A"], in: clone)
        try git(["commit", "-q", "--allow-empty", "-m", message], in: clone)
        return try git(["rev-parse", "HEAD"], in: clone)
    }

    /// Makes `branch` from the integration branch's current head in origin, writes `files`,
    /// commits and force-pushes it (what a worker does for an attempt). Returns the branch.
    func taskBranch(_ branch: String, from integration: String, files: [String: String]) throws -> TaskBranch {
        try git(["fetch", "-q", "origin"], in: clone)
        try git(["checkout", "-q", "-B", branch, "origin/" + integration], in: clone)
        for (path, text) in files { try write(path, text) }
        let commit = try commit("task \(branch)")
        try git(["push", "-q", "-f", "origin", "\(branch):refs/heads/\(branch)"], in: clone)
        return TaskBranch(name: branch, commit: commit)
    }

    /// Commit of `ref` in origin, or nil.
    func head(_ ref: String) -> String? {
        try? git(["rev-parse", "--verify", "-q", ref + "^{commit}"], in: origin)
    }

    /// Whether `commit` is reachable from `ref` in origin.
    func isReachable(_ commit: String, from ref: String) -> Bool {
        (try? git(["merge-base", "--is-ancestor", commit, ref], in: origin)) != nil
    }
}

struct GitFixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
