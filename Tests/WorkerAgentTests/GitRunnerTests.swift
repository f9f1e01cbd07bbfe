import Foundation
import XCTest
@testable import WorkerAgent

/// `Git` runs the real git CLI with an argv, a sanitized environment and typed errors.
final class GitRunnerTests: XCTestCase {
    func testGitRunsInTheGivenDirectoryAndReturnsItsOutput() throws {
        let dir = try makeTemporaryDirectory(self)
        let git = Git()
        try git.run(["init", "-q", "-b", "main"], in: dir)
        try "hello\n".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        try git.run(["add", "-A"], in: dir)
        try git.run(["commit", "-q", "-m", "first"], in: dir)
        let sha = try git.run(["rev-parse", "HEAD"], in: dir).text
        XCTAssertEqual(sha.count, 40)
        XCTAssertEqual(try git.run(["ls-files"], in: dir).lines, ["a.txt"])
    }

    func testCommitsCarryTheFixedIdentityWhateverTheWorkerEnvironmentSays() throws {
        let dir = try makeTemporaryDirectory(self)
        // A worker environment that tries to steer git: another author, another repository.
        let hostile = ["PATH": "/usr/local/bin:/usr/bin:/bin", "GIT_AUTHOR_NAME": "Mallory",
                       "GIT_COMMITTER_EMAIL": "mallory@evil", "GIT_DIR": "/nonexistent",
                       "SWARM_REDIS_URL": "redis://:hunter2@localhost:6379"]
        let git = Git(identity: GitIdentity(name: "Swarm Test", email: "swarm-test@localhost"), workerEnvironment: hostile)
        XCTAssertNil(git.environment["GIT_AUTHOR_NAME"])
        XCTAssertNil(git.environment["GIT_DIR"])
        XCTAssertNil(git.environment["SWARM_REDIS_URL"])
        XCTAssertEqual(git.environment["GIT_TERMINAL_PROMPT"], "0")
        try git.run(["init", "-q", "-b", "main"], in: dir)
        try git.run(["commit", "-q", "--allow-empty", "-m", "empty"], in: dir)
        let who = try git.run(["log", "-1", "--format=%an <%ae> / %cn <%ce>"], in: dir).text
        XCTAssertEqual(who, "Swarm Test <swarm-test@localhost> / Swarm Test <swarm-test@localhost>")
    }

    func testArgumentsReachGitVerbatimWithoutAShell() throws {
        let dir = try makeTemporaryDirectory(self)
        let git = Git()
        try git.run(["init", "-q", "-b", "main"], in: dir)
        let message = "task $(touch pwned) `id`; rm -rf / && echo \"quoted\" 'single'"
        try git.run(["commit", "-q", "--allow-empty", "-m", message], in: dir)
        XCTAssertEqual(try git.run(["log", "-1", "--format=%s"], in: dir).text, message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/pwned"))
    }

    func testHooksPlantedInTheRepositoryDoNotRun() throws {
        let dir = try makeTemporaryDirectory(self)
        let git = Git()
        try git.run(["init", "-q", "-b", "main"], in: dir)
        _ = try writeScript(dir + "/.git/hooks", "pre-commit", "#!/bin/sh\ntouch \"\(dir)/hook-ran\"\n")
        try git.run(["commit", "-q", "--allow-empty", "-m", "x"], in: dir)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/hook-ran"))
    }

    func testAFailingCommandIsATypedErrorNamingCommandStatusAndStderr() throws {
        let dir = try makeTemporaryDirectory(self)
        let git = Git()
        XCTAssertThrowsError(try git.run(["rev-parse", "--verify", "HEAD"], in: dir)) { error in
            guard let e = error as? GitError, case let .failed(command, directory, status, stderr) = e else {
                return XCTFail("expected GitError.failed, got \(error)")
            }
            XCTAssertEqual(command, "git rev-parse --verify HEAD")
            XCTAssertEqual(directory, dir)
            XCTAssertEqual(status, "exit 128")
            XCTAssertTrue(stderr.contains("not a git repository"), stderr)
            XCTAssertTrue(e.description.contains("remove it so the worker creates it again"), e.description)
        }
    }

    func testAFetchFromAMissingRepositoryNeverPromptsAndSaysWhatToCheck() throws {
        let dir = try makeTemporaryDirectory(self)
        let git = Git(timeout: 60)
        XCTAssertThrowsError(try git.run(["clone", "--mirror", "file:///nonexistent/repo.git", dir + "/m"], in: dir)) { error in
            guard let e = error as? GitError, case .failed = e else { return XCTFail("expected GitError.failed, got \(error)") }
            XCTAssertTrue(e.description.contains("check the repository URL"), e.description)
        }
    }

    func testPasswordsInURLsAreMaskedInMessages() {
        XCTAssertEqual(Git.display(["fetch", "https://bob:s3cret@example.com/r.git"]),
                       "git fetch https://bob:***@example.com/r.git")
        XCTAssertEqual(Git.display(["commit", "-m", "two words"]), "git commit -m \"two words\"")
        XCTAssertEqual(Git.masked("ssh://git@host/repo"), "ssh://git@host/repo")
    }

    func testAMissingDirectoryIsReportedBeforeGitStarts() {
        let git = Git()
        XCTAssertThrowsError(try git.run(["status"], in: "/nonexistent-swarm-dir")) { error in
            guard let e = error as? GitError, case .couldNotStart = e else { return XCTFail("got \(error)") }
        }
    }

    func testACancelledCommandReportsCancellation() throws {
        let dir = try makeTemporaryDirectory(self)
        let git = Git()
        let token = try CancellationToken()
        token.cancel()
        // An alias that sleeps: only the cancellation can end it in time.
        XCTAssertThrowsError(try git.run(["-c", "alias.pause=!sleep 30", "pause"], in: dir, cancellation: token)) { error in
            XCTAssertEqual(error as? GitError, .cancelled(command: "git -c \"alias.pause=!sleep 30\" pause"))
        }
    }
}
