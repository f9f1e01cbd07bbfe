#if canImport(Glibc)
import Glibc
#endif

/// Why a task's workspace could not be prepared, checked, committed, pushed or removed. Every
/// message says what to do next.
public enum WorkspaceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A git command failed.
    case git(GitError)
    /// A file or directory of the workspace root could not be read or written.
    case io(path: String, what: String, errno: Int32)
    /// Another process held a lock past the wait.
    case lockTimedOut(path: String, seconds: Double)
    /// The mirror at `path` belongs to another repository (a hash collision, or a hand edit).
    case mirrorMismatch(path: String, expected: String, found: String)
    /// A live attempt on this host already has the task branch checked out.
    case branchInUse(branch: String, path: String)
    /// The task carries no repository, or one this worker refuses to fetch.
    case badRequest(String)

    public var description: String {
        switch self {
        case let .git(e):
            return e.description
        case let .io(path, what, code):
            return "could not \(what) \(path): \(String(cString: strerror(code))); "
                + "check that worker.workspace_root is writable by the worker and the disk is not full"
        case let .lockTimedOut(path, seconds):
            return "waited \(Int(seconds)) s for the lock \(path); another worker on this host holds it "
                + "(a long fetch?) — if no worker runs, remove the file"
        case let .mirrorMismatch(path, expected, found):
            return "the mirror \(path) is of \(found), not \(expected); remove that directory and the worker "
                + "fetches the repository again"
        case let .branchInUse(branch, path):
            return "branch \(branch) is checked out by a running attempt in \(path); two attempts of one task "
                + "must never run at once — stop the other worker"
        case let .badRequest(message):
            return message
        }
    }
}
