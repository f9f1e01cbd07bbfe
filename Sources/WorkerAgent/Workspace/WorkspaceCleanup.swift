import Foundation
import Scheduler

/// One entry of `git worktree list --porcelain`.
struct WorktreeEntry: Equatable {
    var path: String
    var branch: String?
    var bare = false

    /// Parses the porcelain listing (blocks separated by blank lines).
    static func parse(_ text: String) -> [WorktreeEntry] {
        var entries: [WorktreeEntry] = []
        var current: WorktreeEntry?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("worktree ") {
                if let c = current { entries.append(c) }
                current = WorktreeEntry(path: String(line.dropFirst("worktree ".count)))
            } else if line.hasPrefix("branch ") {
                current?.branch = String(line.dropFirst("branch ".count))
            } else if line == "bare" {
                current?.bare = true
            }
        }
        if let c = current { entries.append(c) }
        return entries
    }
}

extension Workspaces {
    /// Makes the task branch free for a new worktree at `path` (hold the mirror lock): a stale
    /// worktree of a killed attempt is removed; a kept attempt's worktree gets its branch
    /// renamed to `swarm-kept/<feature>/<task>/attempt-<n>`; a live attempt is an error.
    func freeBranch(_ request: WorkspaceRequest, for path: String, in mirror: RepositoryMirror) throws(WorkspaceError) {
        let listing: String
        do { listing = try git.run(["worktree", "list", "--porcelain"], in: mirror.path).standardOutput } catch {
            throw .git(error)
        }
        var prune = FileManager.default.fileExists(atPath: path)
        if prune { removeDirectory(path) }
        for entry in WorktreeEntry.parse(listing) where !entry.bare {
            guard FileManager.default.fileExists(atPath: entry.path) else { prune = true; continue }
            guard entry.branch == "refs/heads/\(request.branch)" else { continue }
            let lock = FileLock(path: WorkspaceFiles.lock(entry.path))
            guard try lock.tryLock() else { throw .branchInUse(branch: request.branch, path: entry.path) }
            defer { lock.unlock() }
            guard var other = WorkspaceFiles.readMarker(entry.path), other.state != .active else {
                logger.info("workspace \(entry.path): removing the worktree of a killed attempt")
                removeWorktreeLocked(entry.path, mirror: mirror)
                continue
            }
            let kept = request.keptBranch(attempt: other.attempt)
            do {
                try git.run(["branch", "--force", "--move", request.branch, kept], in: entry.path,
                            extraEnvironment: ["GIT_DIR": (try? Self.gitDirectory(ofWorktree: entry.path)) ?? entry.path + "/.git"])
            } catch {
                throw .git(error)
            }
            other.branch = kept
            other.updated = Date().timeIntervalSince1970
            try? WorkspaceFiles.writeMarker(other)
            recorder?.publish(other)
        }
        if prune {
            do { try git.run(["worktree", "prune"], in: mirror.path) } catch { throw .git(error) }
        }
    }

    /// Removes a worktree, its marker and lock file, taking the mirror lock.
    func removeWorktree(_ path: String, mirror: RepositoryMirror) {
        do {
            try mirror.withLock(timeout: 120) { () throws(WorkspaceError) in removeWorktreeLocked(path, mirror: mirror) }
        } catch {
            logger.warning("workspace \(path): could not take the mirror lock to remove it: \(error)")
        }
    }

    /// Removes a worktree (hold the mirror lock): `git worktree remove`, and when git cannot
    /// (a damaged worktree), the directory itself and a prune.
    func removeWorktreeLocked(_ path: String, mirror: RepositoryMirror) {
        do {
            try git.run(["worktree", "remove", "--force", "--force", path], in: mirror.path)
        } catch {
            removeDirectory(path)
            _ = try? git.run(["worktree", "prune"], in: mirror.path)
        }
        unlink(WorkspaceFiles.marker(path))
        unlink(WorkspaceFiles.lock(path))
    }

    /// `rm -rf`, making read-only directories writable first (a task may have left some).
    func removeDirectory(_ path: String) {
        if (try? FileManager.default.removeItem(atPath: path)) != nil { return }
        if let walker = FileManager.default.enumerator(atPath: path) {
            for case let item as String in walker {
                chmod(path + "/" + item, 0o700)
            }
        }
        chmod(path, 0o700)
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Every worktree record on this host (from the marker files), oldest first.
    public func localRecords() -> [WorkspaceRecord] {
        let fm = FileManager.default
        var records: [WorkspaceRecord] = []
        for feature in (try? fm.contentsOfDirectory(atPath: worktreesDirectory)) ?? [] {
            let featureDir = worktreesDirectory + "/" + feature
            for task in (try? fm.contentsOfDirectory(atPath: featureDir)) ?? [] {
                let taskDir = featureDir + "/" + task
                for name in (try? fm.contentsOfDirectory(atPath: taskDir)) ?? [] where name.hasSuffix(".json") {
                    if let r = WorkspaceFiles.readMarker(taskDir + "/" + String(name.dropLast(5))) { records.append(r) }
                }
            }
        }
        return records.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    /// Removes the worktree of record `record` on this host, if no attempt runs in it; true
    /// when it is gone.
    @discardableResult
    public func remove(_ record: WorkspaceRecord, why: String) -> Bool {
        let lock = FileLock(path: WorkspaceFiles.lock(record.path))
        guard (try? lock.tryLock()) == true else { return false }
        defer { lock.unlock() }
        let mirror = RepositoryMirror(url: record.repository, directory: (record.mirror as NSString).deletingLastPathComponent, git: git)
        logger.info("workspace \(record.path) (\(record.id)): removed, \(why)")
        removeWorktree(record.path, mirror: mirror)
        recorder?.forget(id: record.id)
        return true
    }

    /// Removes a workspace a person discarded: its worktree and, when it is a kept branch (or
    /// the task branch checked out nowhere else), that branch in the mirror. The repository's
    /// pushed branch is left alone. False when an attempt runs in it.
    @discardableResult
    public func discard(_ record: WorkspaceRecord) -> Bool {
        guard remove(record, why: "discarded") else { return false }
        _ = try? git.run(["branch", "-D", record.branch], in: record.mirror)
        return true
    }

    /// The merge queue merged attempt `attempt` of `gid`: its worktree goes (when it is on
    /// this host; another host's sweep removes its own).
    public func merged(gid: String, attempt: Int) {
        for r in localRecords() where r.gid == gid && r.attempt == attempt {
            remove(r, why: "merged")
        }
    }

    /// Keeps the host at most `maxWorkspaces` worktrees by removing merged ones, oldest first.
    /// Kept and waiting worktrees are never removed here; past the bound with nothing merged,
    /// it says so.
    func evictIfFull(leaveRoomForOne: Bool = true) {
        let records = localRecords()
        var excess = records.count - maxWorkspaces + (leaveRoomForOne ? 1 : 0)
        guard excess > 0 else { return }
        for r in records where r.state == .merged && excess > 0 {
            if remove(r, why: "worker.max_workspaces (\(maxWorkspaces)) reached; it was merged") { excess -= 1 }
        }
        if excess > 0 {
            let message = "workspace root \(root) holds \(records.count) worktrees, more than worker.max_workspaces "
                + "(\(maxWorkspaces)), and none of the rest is merged; list them with `orchestrator workspaces` "
                + "and discard what nobody needs"
            logger.warning("\(message)")
        }
    }
}
