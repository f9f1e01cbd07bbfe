import Scheduler

/// One merge of a task's branch into an integration branch, as the merge queue makes it, for
/// callers outside the queue (the `workspace` benchmark): no Redis, no lock — the caller makes
/// sure merges into one branch happen one at a time.
public enum BranchMerge {
    /// What one merge did.
    public enum Result: Sendable, Equatable {
        /// The integration branch now points at `commit`.
        case merged(commit: String, method: MergeMethod)
        /// The branch conflicts with the integration head in these files.
        case conflict(files: [String])
    }

    /// Merges `branch` into `integrationBranch` of `repository` (fetched into this host's merge
    /// mirror under `workspaceRoot`) and pushes the result.
    public static func merge(repository: String, integrationBranch: String, branch: TaskBranch, workspaceRoot: String,
                             message: String) throws(MergeError) -> Result {
        let git = MergeGit()
        let mirror = try MergeMirror.open(root: workspaceRoot, url: repository, git: git)
        switch try BranchMerger(git: git, mirror: mirror.path, url: repository, integrationBranch: integrationBranch)
            .merge(branch, message: message) {
        case let .merged(commit, _, method): return .merged(commit: commit, method: method)
        case let .conflict(files, _): return .conflict(files: files)
        }
    }
}
