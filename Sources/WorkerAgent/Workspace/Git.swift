import Foundation

/// The identity Swarm writes commits with.
public struct GitIdentity: Sendable, Equatable {
    /// `user.name`.
    public var name: String
    /// `user.email`.
    public var email: String

    /// Creates an identity.
    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    /// The worker's committer identity.
    public static let swarm = GitIdentity(name: "Swarm", email: "swarm@localhost")
}

/// What a successful `git` command printed.
public struct GitOutput: Sendable, Equatable {
    /// Standard output alone (redacted).
    public var standardOutput: String
    /// Standard output and standard error interleaved as read (redacted).
    public var output: String

    /// Standard output without its trailing newline: the answer of `rev-parse` and friends.
    public var text: String {
        var s = Substring(standardOutput)
        while s.last == "\n" || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }

    /// The non-empty lines of standard output.
    public var lines: [String] {
        standardOutput.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}

/// Runs the `git` command-line tool: always an argument vector (never a shell), in a given
/// directory, with a sanitized environment, through WorkerAgent's ``ProcessRunner``.
///
/// The environment is built from an allowlist of the worker's (`PATH`, `HOME`, ssh agent,
/// proxies, `TMPDIR`), never the worker's whole environment: no `GIT_*` variable of the worker
/// changes what git does, and no Redis credential reaches git or anything git starts (hooks,
/// credential helpers, ssh). Every command also gets a fixed committer identity, hooks turned
/// off (a task could have written them into the shared mirror), no fsmonitor, and
/// `GIT_TERMINAL_PROMPT=0` so git fails instead of waiting for a password.
public struct Git: Sendable {
    /// The committer (and default author) of commits.
    public var identity: GitIdentity
    /// Seconds a command may run (a fetch or push over a network may be slow).
    public var timeout: Double
    /// Most bytes of output kept; more is an ``GitError/outputTooLarge(command:limit:)``.
    public var maxOutputBytes: Int
    /// The environment every command starts from (already sanitized).
    public let environment: [String: String]
    private let runner: ProcessRunner

    /// Worker variables git may see: how to find programs, the user's ssh keys and config,
    /// proxies. Everything else is dropped.
    public static let inheritedVariables = [
        "PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "SSH_AUTH_SOCK",
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
    ]

    /// Creates a runner.
    ///
    /// - Parameters:
    ///   - redactor: every byte git prints passes through it (a URL may carry a token).
    ///   - workerEnvironment: the environment the allowlist is taken from.
    public init(redactor: Redactor = .defaults(), identity: GitIdentity = .swarm, timeout: Double = 600,
                maxOutputBytes: Int = 64 << 20,
                workerEnvironment: [String: String] = ProcessInfo.processInfo.environment) {
        self.identity = identity
        self.timeout = timeout
        self.maxOutputBytes = maxOutputBytes
        self.runner = ProcessRunner(redactor: redactor)
        self.environment = Self.sanitizedEnvironment(from: workerEnvironment)
    }

    /// The allowlisted part of `worker`, plus the variables that make git predictable.
    public static func sanitizedEnvironment(from worker: [String: String]) -> [String: String] {
        var env: [String: String] = [:]
        for name in inheritedVariables { if let v = worker[name] { env[name] = v } }
        if env["PATH"] == nil { env["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        env["LC_ALL"] = "C"              // messages we match on are the English ones
        env["GIT_TERMINAL_PROMPT"] = "0" // fail, never wait for a password nobody will type
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_ASKPASS"] = "true"      // an askpass that answers nothing (ssh too, below)
        env["SSH_ASKPASS"] = "true"
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
        return env
    }

    /// Options given before every subcommand: who commits, and nothing a task could have
    /// planted in the repository's config runs as the worker.
    var fixedOptions: [String] {
        ["-c", "user.name=\(identity.name)", "-c", "user.email=\(identity.email)",
         "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
         "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false",
         "-c", "advice.detachedHead=false", "-c", "init.defaultBranch=main",
         "-c", "protocol.ext.allow=never"] // `ext::` URLs run arbitrary commands
    }

    /// Runs `git <arguments>` in `directory` and returns what it printed.
    ///
    /// - Parameters:
    ///   - arguments: the subcommand and its arguments, one element each (no shell quoting).
    ///   - directory: where git runs (`nil`: the worker's directory).
    ///   - extraEnvironment: variables added for this command only (an author, an index file).
    ///   - timeout: overrides ``timeout``.
    ///   - cancellation: stops the command when cancelled.
    /// - Throws: ``GitError`` naming the command, its exit status and what git said.
    @discardableResult
    public func run(_ arguments: [String], in directory: String?, extraEnvironment: [String: String] = [:],
                    timeout: Double? = nil, cancellation: CancellationToken? = nil) throws(GitError) -> GitOutput {
        let (status, output) = try self.status(arguments, in: directory, extraEnvironment: extraEnvironment,
                                               timeout: timeout, cancellation: cancellation)
        guard status == 0 else {
            throw .failed(command: Self.display(arguments), directory: directory, status: "exit \(status)",
                          stderr: Self.lastLines(of: output.output))
        }
        return output
    }

    /// Runs `git <arguments>` and returns its exit status with what it printed, for commands
    /// whose non-zero status is an answer rather than a failure (`merge-tree` reports a
    /// conflict with 1, `merge-base --is-ancestor` says "no" with 1).
    ///
    /// - Throws: ``GitError`` when git could not run, was killed by a signal, timed out, was
    ///   cancelled or printed too much.
    public func status(_ arguments: [String], in directory: String?, extraEnvironment: [String: String] = [:],
                       timeout: Double? = nil, cancellation: CancellationToken? = nil) throws(GitError) -> (status: Int32, output: GitOutput) {
        let command = Self.display(arguments)
        var env = environment
        for (k, v) in extraEnvironment { env[k] = v }
        let seconds = timeout ?? self.timeout
        let request = ProcessRequest(argv: ["git"] + fixedOptions + arguments, environment: env,
                                     workingDirectory: directory, timeout: seconds, killGracePeriod: 2,
                                     maxOutputBytes: maxOutputBytes)
        let result: ProcessResult
        do {
            result = try runner.run(request, cancellation: cancellation)
        } catch {
            switch error {
            case let .executableNotFound(_, searchPath): throw .notInstalled(searchPath: searchPath)
            default: throw .couldNotStart(command: command, reason: error.description)
            }
        }
        if result.cancelled { throw .cancelled(command: command) }
        if result.timedOut { throw .timedOut(command: command, directory: directory, seconds: seconds) }
        guard case let .exited(status) = result.termination else {
            throw .failed(command: command, directory: directory, status: result.termination.description,
                          stderr: Self.lastLines(of: result.output))
        }
        if result.truncated { throw .outputTooLarge(command: command, limit: maxOutputBytes) }
        return (status, GitOutput(standardOutput: result.standardOutput, output: result.output))
    }

    /// `git` and its arguments as one line for messages, with the password of any URL masked.
    static func display(_ arguments: [String]) -> String {
        (["git"] + arguments.map { masked($0) }).map { arg in
            arg.isEmpty || arg.contains(where: { $0 == " " || $0 == "\"" || $0 == "'" }) ? arg.debugDescription : arg
        }.joined(separator: " ")
    }

    /// `scheme://user:password@host/...` with the password replaced by `***`.
    static func masked(_ argument: String) -> String {
        guard let scheme = argument.range(of: "://"),
              let at = argument[scheme.upperBound...].firstIndex(of: "@") else { return argument }
        let userInfo = argument[scheme.upperBound..<at]
        guard !userInfo.contains("/"), let colon = userInfo.firstIndex(of: ":") else { return argument }
        return String(argument[..<colon]) + ":***" + String(argument[at...])
    }

    /// The last few lines of what git said (its error is at the end).
    static func lastLines(of output: String, count: Int = 8) -> String {
        output.split(separator: "\n", omittingEmptySubsequences: true).suffix(count)
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " | ")
    }
}
