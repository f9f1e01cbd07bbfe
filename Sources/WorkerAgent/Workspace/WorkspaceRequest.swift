import Planner

/// What an attempt's workspace is made from: the task's repository, its feature's integration
/// branch, who it is and what it may write. Built from a repository task's signed spec.
public struct WorkspaceRequest: Sendable, Equatable {
    /// The repository: a URL git can fetch, or an absolute path on this host.
    public var repository: String
    /// The feature's integration branch (the worktree starts from its head).
    public var integrationBranch: String
    /// Feature id.
    public var feature: String
    /// Task id within the feature.
    public var task: String
    /// Attempt number (the fencing token): every attempt gets its own worktree.
    public var attempt: Int
    /// The task's declared artifacts (normalised repo-relative paths; `dir/` covers a subtree).
    public var artifacts: [String]
    /// The task's title, for the commit message.
    public var title: String

    /// Creates a request.
    public init(repository: String, integrationBranch: String, feature: String, task: String, attempt: Int,
                artifacts: [String], title: String = "") {
        self.repository = repository
        self.integrationBranch = integrationBranch
        self.feature = feature
        self.task = task
        self.attempt = attempt
        self.artifacts = artifacts
        self.title = title
    }

    /// `feature/task`.
    public var gid: String { "\(feature)/\(task)" }

    /// The branch every attempt of the task works on: `swarm-task/<feature>/<task>`.
    public var branch: String { "swarm-task/\(feature)/\(task)" }

    /// Where an earlier attempt's branch is kept when a new attempt needs the task branch back.
    public func keptBranch(attempt: Int) -> String { "swarm-kept/\(feature)/\(task)/attempt-\(attempt)" }

    /// Why this request must not be run, or nil. The repository must not look like an option
    /// or a git remote helper (`ext::` runs commands); ids must be plain names (they become
    /// paths and branch names).
    public var problem: String? {
        if repository.isEmpty { return "the task has no repository" }
        if repository.hasPrefix("-") || repository.contains("::") || repository.utf8.contains(where: { $0 < 0x20 }) {
            return "refusing to fetch repository '\(terminalSafe(repository))': not a URL or path git should fetch; "
                + "resubmit the feature with a file://, ssh:// or https:// URL or an absolute path"
        }
        if let scheme = repository.range(of: "://").map({ repository[..<$0.lowerBound].lowercased() }),
           !["file", "ssh", "git", "http", "https"].contains(scheme) {
            return "refusing to fetch repository '\(terminalSafe(repository))': scheme '\(scheme)' is not one of file, ssh, git, http, https"
        }
        for (name, value) in [("feature", feature), ("task", task)] where !Self.isPlainName(value) {
            return "the \(name) id '\(terminalSafe(value))' cannot name a branch or a folder; use letters, digits, '-', '_' and '.'"
        }
        if integrationBranch.isEmpty || integrationBranch.hasPrefix("-") || integrationBranch.contains("..")
            || integrationBranch.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return "the integration branch '\(terminalSafe(integrationBranch))' is not a branch name"
        }
        return nil
    }

    static func isPlainName(_ s: String) -> Bool {
        !s.isEmpty && !s.hasPrefix(".") && !s.hasSuffix(".lock") && !s.contains("..")
            && s.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                    || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
            }
    }
}
