/// Why the submit side or the merge queue could not do its git work. Every message says what
/// to do next.
public enum MergeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The feature's `repo` is a folder that is not a git repository.
    case notARepository(String)
    /// The repository has no commit to start the integration branch from.
    case noCommit(repository: String)
    /// A git command failed.
    case git(command: String, status: String, said: String)
    /// Pushing the integration branch kept losing the race with other pushers.
    case pushRaced(branch: String, attempts: Int)
    /// The task's commit is not in its branch any more (the branch was moved or deleted).
    case commitMissing(branch: String, commit: String)

    public var description: String {
        switch self {
        case let .notARepository(path):
            return "\(path) is not a git repository; run `git init` there and commit, or give `repo` a URL git can fetch"
        case let .noCommit(repository):
            return "\(repository) has no commit yet; commit something (the integration branch starts from HEAD)"
        case let .git(command, status, said):
            return "`\(command)` failed (\(status))\(said.isEmpty ? "" : ": \(said)"); run it by hand to see why"
        case let .pushRaced(branch, attempts):
            return "the integration branch \(branch) moved under every one of \(attempts) pushes; another merger is pushing — it will be tried again"
        case let .commitMissing(branch, commit):
            return "commit \(commit) of branch \(branch) cannot be fetched; push the task's branch again or resolve the task by hand"
        }
    }
}
