import Foundation

/// Runs `git` with an argument vector (never a shell) for the merge queue and the submit side,
/// with a small allowlisted environment and no prompts. Unlike a plain run, ``status(_:in:)``
/// hands back a non-zero exit with its output: `git merge-tree` answers a conflict that way.
struct MergeGit: Sendable {
    var timeout: Double = 600
    private let runner = ProcessRunner(redactor: .defaults())

    private var environment: [String: String] {
        let worker = ProcessInfo.processInfo.environment
        var env: [String: String] = [:]
        for name in ["PATH", "HOME", "USER", "TMPDIR", "SSH_AUTH_SOCK", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"] {
            if let v = worker[name] { env[name] = v }
        }
        if env["PATH"] == nil { env["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        env["LC_ALL"] = "C"
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
        return env
    }

    private static let fixed = ["-c", "user.name=Swarm", "-c", "user.email=swarm@localhost", "-c", "core.hooksPath=/dev/null",
                                "-c", "commit.gpgSign=false", "-c", "protocol.ext.allow=never"]

    /// Exit status and standard output of `git <arguments>` (output is the combined text).
    func status(_ arguments: [String], in directory: String?) throws(MergeError) -> (code: Int32, stdout: String, output: String) {
        let request = ProcessRequest(argv: ["git"] + Self.fixed + arguments, environment: environment, workingDirectory: directory,
                                     timeout: timeout, killGracePeriod: 2, maxOutputBytes: 16 << 20)
        let result: ProcessResult
        do { result = try runner.run(request) } catch {
            throw .git(command: Self.display(arguments), status: "not started", said: "\(error)")
        }
        if result.timedOut { throw .git(command: Self.display(arguments), status: "timed out after \(Int(timeout)) s", said: "") }
        let code: Int32
        switch result.termination {
        case let .exited(c): code = c
        case let .signaled(s): throw .git(command: Self.display(arguments), status: "signal \(s)", said: "")
        }
        return (code, result.standardOutput, result.output)
    }

    /// Standard output (trimmed) of `git <arguments>`; a non-zero exit throws.
    @discardableResult
    func run(_ arguments: [String], in directory: String?) throws(MergeError) -> String {
        let r = try status(arguments, in: directory)
        guard r.code == 0 else {
            let said = r.output.split(separator: "\n").suffix(4).joined(separator: " | ")
            throw .git(command: Self.display(arguments), status: "exit \(r.code)", said: said)
        }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func display(_ arguments: [String]) -> String {
        (["git"] + arguments).joined(separator: " ")
    }
}
