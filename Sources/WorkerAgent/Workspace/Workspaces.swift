import Foundation
import Logging
import Planner
import Scheduler

/// The workspaces of one host: a bare mirror per repository and a fresh `git worktree` per
/// task attempt, under `worker.workspace_root`.
///
/// An attempt's life: ``prepare(_:cancellation:)`` (fetch the integration branch, free the task
/// branch, `git worktree add -B swarm-task/<feature>/<task>` from the integration head), the
/// executor runs in it, ``commit(_:)`` records everything it wrote, the artifact check reads the
/// changed paths, acceptance tests run, ``push(_:_:)`` sends the task branch to the repository,
/// then ``awaitMerge(_:_:)`` or ``keep(_:why:commit:)`` or ``abandon(_:)``.
public struct Workspaces: Sendable {
    /// Absolute workspace root.
    public let root: String
    /// Host name written into records (the worker's `--host`).
    public let host: String
    /// The git runner.
    public let git: Git
    /// Most worktrees kept on this host before merged ones are removed, oldest first.
    public let maxWorkspaces: Int
    /// Where records go (nil: nowhere, only the marker files).
    public let recorder: WorkspaceRecorder?
    /// Every reason written into a record (marker file and Redis) passes through it: a failure
    /// reason can quote a command holding a secret.
    public let redactor: Redactor
    let logger: Logger
    let mirrors: MirrorCache

    /// Creates the workspaces of `host` under `root` (absolute).
    public init(root: String, host: String, git: Git, maxWorkspaces: Int = 100, recorder: WorkspaceRecorder? = nil,
                redactor: Redactor = .defaults(), logger: Logger = Logger(label: "swarm.workspaces")) {
        self.redactor = redactor
        self.root = root
        self.host = host
        self.git = git
        self.maxWorkspaces = maxWorkspaces
        self.recorder = recorder
        self.logger = logger
        mirrors = MirrorCache(root: root, git: git)
    }

    /// `<root>/worktrees`.
    public var worktreesDirectory: String { root + "/worktrees" }

    /// Where attempt `attempt` of a task lives: `<root>/worktrees/<feature>/<task>/<attempt>`.
    public func path(feature: String, task: String, attempt: Int) -> String {
        "\(worktreesDirectory)/\(feature)/\(task)/\(attempt)"
    }

    /// Prepares a fresh worktree for one attempt. Nothing of an earlier attempt is in it: it is
    /// a new directory checked out from the integration branch's head as just fetched.
    public func prepare(_ request: WorkspaceRequest, cancellation: CancellationToken? = nil) throws(WorkspaceError) -> Workspace {
        if let problem = request.problem { throw .badRequest(problem) }
        let path = path(feature: request.feature, task: request.task, attempt: request.attempt)
        let parent = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw .io(path: parent, what: "create", errno: EACCES)
        }
        let lock = FileLock(path: WorkspaceFiles.lock(path))
        guard try lock.tryLock() else { throw .branchInUse(branch: request.branch, path: path) }
        evictIfFull()
        let mirror = try mirrors.mirror(for: request.repository)
        var record = WorkspaceRecord(host: host, path: path, branch: request.branch, feature: request.feature,
                                     task: request.task, attempt: request.attempt, state: .active, why: "running",
                                     repository: request.repository, mirror: mirror.path)
        let base: String = try mirror.withLock { () throws(WorkspaceError) -> String in
            try mirror.create()
            try mirror.fetch([request.integrationBranch], cancellation: cancellation)
            guard let base = mirror.commit(of: "refs/remotes/origin/\(request.integrationBranch)") else {
                throw .badRequest("the repository \(request.repository) has no branch \(request.integrationBranch); "
                                  + "submit the feature again so its integration branch is created")
            }
            try freeBranch(request, for: path, in: mirror)
            // The marker goes first: a worker killed from here on leaves an `active` marker
            // whose lock is free, which any sweep on this host recognises as stale.
            try WorkspaceFiles.writeMarker(record)
            do throws(GitError) {
                try git.run(["worktree", "add", "--quiet", "-B", request.branch, path, base], in: mirror.path,
                            cancellation: cancellation)
            } catch {
                throw .git(error)
            }
            return base
        }
        let gitDir = try Self.gitDirectory(ofWorktree: path)
        record.commit = base
        return Workspace(request: request, path: path, gitDirectory: gitDir, mirror: mirror, base: base, record: record, lock: lock)
    }

    /// Commits everything in the worktree (`git add -A`), authored as the task's attempt, and
    /// lists the paths changed since the base. The task branch points at the commit, wherever
    /// the task moved `HEAD`.
    public func commit(_ ws: Workspace, cancellation: CancellationToken? = nil) throws(WorkspaceError) -> WorkspaceCommit {
        let r = ws.request
        let author = ["GIT_AUTHOR_NAME": "Swarm task \(r.gid) attempt \(r.attempt)",
                      "GIT_AUTHOR_EMAIL": "\(r.task)@\(r.feature).swarm"]
        let title = r.title.isEmpty || r.title == r.task ? "" : ": \(r.title)"
        let message = "\(r.gid) attempt \(r.attempt)\(title)\n\nSwarm-Task: \(r.gid)\nSwarm-Attempt: \(r.attempt)\nSwarm-Host: \(host)\n"
        let env = ws.gitEnvironment
        do {
            try git.run(["add", "--all"], in: ws.path, extraEnvironment: env, cancellation: cancellation)
            try git.run(["commit", "--quiet", "--allow-empty", "--no-verify", "-m", message], in: ws.path,
                        extraEnvironment: env.merging(author) { $1 }, cancellation: cancellation)
            let commit = try git.run(["rev-parse", "HEAD"], in: ws.path, extraEnvironment: env).text
            try git.run(["update-ref", "refs/heads/\(r.branch)", commit], in: ws.path, extraEnvironment: env)
            let diff = try git.run(["diff", "--name-only", "-z", "--no-renames", ws.base, commit], in: ws.path, extraEnvironment: env)
            let paths = diff.standardOutput.split(separator: "\0", omittingEmptySubsequences: true).map(String.init).sorted()
            return WorkspaceCommit(commit: commit, changedPaths: paths)
        } catch {
            throw .git(error)
        }
    }

    /// Pushes the commit to the repository's task branch (forced: every attempt starts again
    /// from the integration head).
    public func push(_ ws: Workspace, _ commit: String, cancellation: CancellationToken? = nil) throws(WorkspaceError) {
        try ws.mirror.withLock { () throws(WorkspaceError) in
            do throws(GitError) {
                try git.run(["push", "--quiet", "--force", "--no-verify", "origin", "\(commit):refs/heads/\(ws.request.branch)"],
                            in: ws.mirror.path, cancellation: cancellation)
            } catch {
                throw .git(error)
            }
        }
    }

    /// The attempt succeeded and its branch is pushed: the worktree waits for the merge queue
    /// (it is removed once the task is merged).
    public func awaitMerge(_ ws: Workspace, _ commit: String) {
        finish(ws, state: .awaitingMerge, why: "waiting for the merge queue", commit: commit)
    }

    /// The attempt failed or went to a person: its worktree and branch stay for a person until
    /// `orchestrator discard`.
    public func keep(_ ws: Workspace, why: String, commit: String? = nil) {
        finish(ws, state: .kept, why: why, commit: commit)
    }

    /// The worker lost the attempt (cancelled, lease gone): the worktree goes at once; the next
    /// attempt starts from a fresh one.
    public func abandon(_ ws: Workspace) {
        removeWorktree(ws.path, mirror: ws.mirror)
        recorder?.forget(id: ws.record.id)
        ws.lock.unlock()
    }

    private func finish(_ ws: Workspace, state: WorkspaceRecord.State, why: String, commit: String?) {
        ws.record.state = state
        ws.record.why = redactor.redact(why)
        if let commit { ws.record.commit = commit }
        ws.record.updated = Date().timeIntervalSince1970
        do { try WorkspaceFiles.writeMarker(ws.record) } catch {
            logger.warning("workspace \(ws.path): \(error)")
        }
        recorder?.publish(ws.record)
        ws.lock.unlock()
    }

    /// The administrative directory of a freshly added worktree, from its `.git` file.
    static func gitDirectory(ofWorktree path: String) throws(WorkspaceError) -> String {
        guard let text = try? String(contentsOfFile: path + "/.git", encoding: .utf8),
              text.hasPrefix("gitdir: ") else {
            throw .io(path: path + "/.git", what: "read the worktree's git link", errno: ENOENT)
        }
        return String(text.dropFirst("gitdir: ".count)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension Workspaces {
    /// The workspaces of a worker's settings (its root, host, bound and redactor).
    public init(settings: WorkerSettings, recorder: WorkspaceRecorder? = nil) {
        self.init(root: settings.workspaceRoot, host: settings.host,
                  git: Git(redactor: settings.redactor, workerEnvironment: settings.taskEnvironment.inherited),
                  maxWorkspaces: settings.maxWorkspaces, recorder: recorder, redactor: settings.redactor)
    }
}
