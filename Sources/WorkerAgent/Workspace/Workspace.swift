import Foundation
import Scheduler

/// One attempt's worktree, prepared and locked: the attempt holds its lock file until the
/// workspace is finished (kept, waiting for merge, or removed), so a sweep on this host can tell
/// a live attempt from one whose worker was killed.
public final class Workspace {
    /// What it was made for.
    public let request: WorkspaceRequest
    /// The worktree (the executor's and acceptance tests' working directory).
    public let path: String
    /// The worktree's administrative directory inside the mirror. Git runs with it named
    /// explicitly, so a task that rewrites the worktree's `.git` file cannot point the
    /// worker's git elsewhere.
    public let gitDirectory: String
    /// The mirror it belongs to.
    public let mirror: RepositoryMirror
    /// The integration branch's commit it started from.
    public let base: String
    /// Its record (also written beside it as `<path>.json`).
    public internal(set) var record: WorkspaceRecord
    let lock: FileLock

    init(request: WorkspaceRequest, path: String, gitDirectory: String, mirror: RepositoryMirror, base: String,
         record: WorkspaceRecord, lock: FileLock) {
        self.request = request
        self.path = path
        self.gitDirectory = gitDirectory
        self.mirror = mirror
        self.base = base
        self.record = record
        self.lock = lock
    }

    /// Variables that make git work on this worktree whatever its `.git` file says.
    var gitEnvironment: [String: String] { ["GIT_DIR": gitDirectory, "GIT_WORK_TREE": path] }
}

/// What an attempt's commit holds.
public struct WorkspaceCommit: Sendable, Equatable {
    /// The commit (on the task branch).
    public var commit: String
    /// Paths changed between the base and the commit (repo-relative, sorted).
    public var changedPaths: [String]
}

/// Files of the workspace root that belong to one worktree.
enum WorkspaceFiles {
    static func marker(_ path: String) -> String { path + ".json" }
    static func lock(_ path: String) -> String { path + ".lock" }

    static func readMarker(_ path: String) -> WorkspaceRecord? {
        (try? String(contentsOfFile: marker(path), encoding: .utf8)).flatMap(WorkspaceRecord.decode)
    }

    static func writeMarker(_ record: WorkspaceRecord) throws(WorkspaceError) {
        do {
            try record.encodedJSON().write(toFile: marker(record.path), atomically: true, encoding: .utf8)
        } catch {
            throw .io(path: marker(record.path), what: "write", errno: EIO)
        }
    }
}
