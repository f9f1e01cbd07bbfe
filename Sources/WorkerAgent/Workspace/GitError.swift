/// Why a `git` command did not do its job. Every message names the command, says what went
/// wrong and what to do next.
public enum GitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `git` executable on the worker's `PATH`.
    case notInstalled(searchPath: String)
    /// `git` could not be started (out of processes, descriptors or memory; a missing directory).
    case couldNotStart(command: String, reason: String)
    /// `git` ran and exited with a non-zero status (or was killed by a signal).
    case failed(command: String, directory: String?, status: String, stderr: String)
    /// `git` ran past its timeout and was killed.
    case timedOut(command: String, directory: String?, seconds: Double)
    /// The run was cancelled (the worker lost its task or is stopping at once).
    case cancelled(command: String)
    /// `git` printed more than the worker keeps; the answer would be incomplete.
    case outputTooLarge(command: String, limit: Int)

    /// The command line this error is about (URLs' passwords masked).
    public var command: String {
        switch self {
        case .notInstalled: return "git"
        case let .couldNotStart(c, _), let .failed(c, _, _, _), let .timedOut(c, _, _), let .cancelled(c),
             let .outputTooLarge(c, _):
            return c
        }
    }

    public var description: String {
        switch self {
        case let .notInstalled(path):
            return "git is not installed on this worker (not found on PATH \(path.debugDescription)); "
                + "install git (2.38 or newer) or put it on the worker's PATH"
        case let .couldNotStart(command, reason):
            return "could not start `\(command)`: \(reason)"
        case let .failed(command, directory, status, stderr):
            let place = directory.map { " in \($0)" } ?? ""
            let said = stderr.isEmpty ? "" : ": \(stderr)"
            return "`\(command)`\(place) failed (\(status))\(said); \(Self.advice(for: stderr, directory: directory))"
        case let .timedOut(command, directory, seconds):
            let place = directory.map { " in \($0)" } ?? ""
            return "`\(command)`\(place) did not finish within \(Int(seconds)) s and was killed; "
                + "check the network path to the repository, or whether another git process holds a lock there"
        case let .cancelled(command):
            return "`\(command)` was cancelled because the worker stopped its task"
        case let .outputTooLarge(command, limit):
            return "`\(command)` printed more than \(limit) bytes; the worker cannot use a partial answer — "
                + "look at the repository by hand (the change may be far larger than the task should make)"
        }
    }

    /// What to do next, from what git said.
    static func advice(for stderr: String, directory: String?) -> String {
        let text = stderr.lowercased()
        if text.contains("authentication failed") || text.contains("permission denied")
            || text.contains("could not read username") || text.contains("terminal prompts disabled") {
            return "give this worker's user access to the repository (an ssh key or a credential helper); "
                + "git never prompts on a worker"
        }
        if text.contains("could not resolve host") || text.contains("connection refused")
            || text.contains("connection timed out") || text.contains("unable to access") {
            return "check that this host can reach the repository's server (DNS, network, proxy)"
        }
        if text.contains("does not appear to be a git repository") || text.contains("not found")
            || text.contains("does not exist") {
            return "check the repository URL recorded on the feature, and that it can be fetched from this host"
        }
        if text.contains(".lock") && text.contains("exists") {
            return "another git process holds a lock there; if none is running, remove the stale .lock file it names"
        }
        if text.contains("not a git repository") {
            return "the directory is not a git repository; remove it so the worker creates it again"
        }
        if text.contains("non-fast-forward") || text.contains("rejected") || text.contains("fetch first") {
            return "the remote branch moved; fetch it and look at both histories before pushing again"
        }
        let place = directory.map { "in \($0) " } ?? ""
        return "run the same command by hand \(place)to see why"
    }
}
