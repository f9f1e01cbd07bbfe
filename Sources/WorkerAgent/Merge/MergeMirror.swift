import Foundation
import RedisKit

/// The bare repository a host merges a repository's branches in:
/// `<workspace_root>/merge-mirrors/<fnv1a(url)>.git`, created on first use (under a file lock,
/// so two workers of a host never initialise it at once) and fetched into, never re-cloned.
struct MergeMirror {
    /// Path of the bare repository.
    let path: String

    /// The mirror of `url` under `root`, created if missing.
    static func open(root: String, url: String, git: MergeGit) throws(MergeError) -> MergeMirror {
        let dir = root + "/merge-mirrors"
        let path = dir + "/" + String(fnv1a(Array(url.utf8)), radix: 16) + ".git"
        if FileManager.default.fileExists(atPath: path + "/HEAD") { return MergeMirror(path: path) }
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw .git(command: "mkdir \(dir)", status: "failed", said: "\(error)")
        }
        let fd = Foundation.open(path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        if fd >= 0 { flock(fd, LOCK_EX) }
        defer { if fd >= 0 { flock(fd, LOCK_UN); close(fd) } }
        if !FileManager.default.fileExists(atPath: path + "/HEAD") {
            try git.run(["init", "-q", "--bare", path], in: nil)
        }
        return MergeMirror(path: path)
    }
}
