import Foundation

/// Runs a feature's integration tests on a commit of its integration branch, in a throwaway
/// worktree of the merging host's bare repository (removed afterwards, whatever happened).
struct IntegrationTests {
    var git: MergeGit
    var mirror: String
    var runner: ProcessRunner
    var environment: [String: String]
    var timeout: Double

    /// The first failing test and why, or nil when every test passed.
    func firstFailure(_ tests: [[String]], at commit: String) throws(MergeError) -> String? {
        guard !tests.isEmpty else { return nil }
        let dir = mirror + "-it-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try git.run(["worktree", "add", "-q", "--detach", dir, commit], in: mirror)
        defer {
            _ = try? git.run(["worktree", "remove", "--force", dir], in: mirror)
            try? FileManager.default.removeItem(atPath: dir)
        }
        for argv in tests {
            let shown = argv.joined(separator: " ")
            let request = ProcessRequest(argv: argv, environment: environment, workingDirectory: dir, timeout: timeout,
                                         killGracePeriod: 2, maxOutputBytes: 256 << 10)
            let result: ProcessResult
            do { result = try runner.run(request) } catch {
                return "integration test `\(shown)` could not start: \(error)"
            }
            if result.timedOut { return "integration test `\(shown)` timed out after \(Int(timeout)) s" }
            if !result.succeeded {
                let tail = result.output.split(separator: "\n").suffix(3).joined(separator: " | ")
                return "integration test `\(shown)` failed (\(result.termination))" + (tail.isEmpty ? "" : ": \(tail)")
            }
        }
        return nil
    }
}
