import Foundation
import RedisKit

/// One host's cached bare copy of a repository, shared by every worker on the host whose
/// `workspace_root` is the same: created once, then only fetched.
///
/// It is not `git clone --mirror`: its fetch refspec is `+refs/heads/*:refs/remotes/origin/*`, so
/// the repository's branches land under `refs/remotes/origin/` and a fetch never touches the
/// task branches (`refs/heads/swarm-task/...`) that this host's worktrees have checked out.
/// Everything that writes the mirror (fetch, worktree add/remove, branch moves) runs under its
/// file lock (``withLock(timeout:_:)``), so concurrent workers never corrupt it.
public struct RepositoryMirror: Sendable {
    /// The repository URL (or absolute path) it mirrors.
    public let url: String
    /// The bare repository.
    public let path: String
    /// The lock file beside it.
    public let lockPath: String
    /// The file naming the URL, checked on every use (the directory name is a hash).
    let urlFile: String
    let git: Git

    /// The mirror of `url` under `directory` (`<directory>/<fnv64 of url>.git`).
    public init(url: String, directory: String, git: Git) {
        let name = String(fnv1a(Array(url.utf8)), radix: 16)
        self.url = url
        self.path = directory + "/" + name + ".git"
        self.lockPath = directory + "/" + name + ".lock"
        self.urlFile = directory + "/" + name + ".url"
        self.git = git
    }

    /// Runs `body` holding the mirror's lock (waiting up to `timeout` seconds for another worker).
    public func withLock<T>(timeout: Double = 600, _ body: () throws(WorkspaceError) -> T) throws(WorkspaceError) -> T {
        let lock = FileLock(path: lockPath)
        try lock.lock(timeout: timeout)
        defer { lock.unlock() }
        return try body()
    }

    /// Whether the bare repository exists.
    public var exists: Bool { FileManager.default.fileExists(atPath: path + "/HEAD") }

    /// Creates the bare repository when missing (hold the lock). An existing one must mirror
    /// the same URL.
    public func create() throws(WorkspaceError) {
        if exists {
            let found = (try? String(contentsOfFile: urlFile, encoding: .utf8)) ?? ""
            if found != url { throw .mirrorMismatch(path: path, expected: url, found: found.isEmpty ? "an unknown repository" : found) }
            return
        }
        let temporary = path + ".partial"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            try git.run(["init", "--bare", "-q", temporary], in: nil)
            try git.run(["remote", "add", "origin", url], in: temporary)
            try git.run(["config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"], in: temporary)
            // Worktrees come and go; their administrative files are pruned by us, not by gc.
            try git.run(["config", "gc.worktreePruneExpire", "never"], in: temporary)
        } catch {
            throw .git(error)
        }
        do {
            try url.write(toFile: urlFile, atomically: true, encoding: .utf8)
        } catch {
            throw .io(path: urlFile, what: "write", errno: EIO)
        }
        // Renamed into place last: a worker killed half-way leaves only `.partial`.
        if rename(temporary, path) != 0 { throw .io(path: path, what: "create", errno: errno) }
    }

    /// Fetches `branches` of the repository into `refs/remotes/origin/` (all branches when
    /// empty). Hold the lock.
    public func fetch(_ branches: [String] = [], cancellation: CancellationToken? = nil) throws(WorkspaceError) {
        let refspecs = branches.isEmpty
            ? ["+refs/heads/*:refs/remotes/origin/*"]
            : branches.map { "+refs/heads/\($0):refs/remotes/origin/\($0)" }
        do {
            try git.run(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "origin"] + refspecs, in: path,
                        cancellation: cancellation)
        } catch {
            throw .git(error)
        }
    }

    /// The commit a ref points at, or nil when it does not exist.
    public func commit(of ref: String) -> String? {
        (try? git.run(["rev-parse", "--verify", "--quiet", ref + "^{commit}"], in: path))?.text
    }
}

/// The mirrors of one host, under `<workspace_root>/mirrors`.
public struct MirrorCache: Sendable {
    /// `<workspace_root>/mirrors`.
    public let directory: String
    let git: Git

    /// The cache under `root` (the workspace root).
    public init(root: String, git: Git) {
        directory = root + "/mirrors"
        self.git = git
    }

    /// The mirror of `url` (not yet created: call ``RepositoryMirror/create()`` under its lock).
    public func mirror(for url: String) throws(WorkspaceError) -> RepositoryMirror {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory, what: "create", errno: EACCES)
        }
        return RepositoryMirror(url: url, directory: directory, git: git)
    }

    /// Creates (once) and fetches `branches` of `url`'s mirror, under its lock.
    public func fetched(_ url: String, branches: [String], cancellation: CancellationToken? = nil) throws(WorkspaceError) -> RepositoryMirror {
        let m = try mirror(for: url)
        try m.withLock { () throws(WorkspaceError) in
            try m.create()
            try m.fetch(branches, cancellation: cancellation)
        }
        return m
    }
}
