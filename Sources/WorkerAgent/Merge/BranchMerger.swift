import Foundation
import Scheduler

/// The git side of one merge, in a bare repository of this host: fetch the integration branch
/// and the task's branch, find conflicts with `git merge-tree --write-tree` (no worktree is
/// touched), fast-forward or write a merge commit with `git commit-tree`, and push it with
/// the expected old value of the integration branch (compare-and-swap; a push that lost the
/// race is retried from a fresh fetch).
struct BranchMerger {
    var git: MergeGit
    /// The bare repository merges are made in.
    var mirror: String
    /// The feature's repository (what is fetched from and pushed to).
    var url: String
    var integrationBranch: String
    /// Pushes that lost the race before giving up (the task stays queued).
    var attempts = 5

    enum Outcome: Equatable {
        /// On the integration branch at `commit` (moved from `previous`).
        case merged(commit: String, previous: String, method: MergeMethod)
        /// Conflicts in these files with the integration head `head`.
        case conflict(files: [String], head: String)
    }

    private var integrationRef: String { "refs/remotes/origin/" + integrationBranch }

    func merge(_ branch: TaskBranch, message: String) throws(MergeError) -> Outcome {
        for _ in 0..<attempts {
            try fetch(branch)
            let head = try git.run(["rev-parse", "--verify", integrationRef + "^{commit}"], in: mirror)
            if try isAncestor(branch.commit, of: head) {
                return .merged(commit: head, previous: head, method: .already)
            }
            let new: String, method: MergeMethod
            if try isAncestor(head, of: branch.commit) {
                new = branch.commit
                method = .fastForward
            } else {
                let r = try git.status(["merge-tree", "--write-tree", "--name-only", "--no-messages", head, branch.commit], in: mirror)
                let lines = r.stdout.split(separator: "\n").map(String.init)
                if r.code == 1 {
                    return .conflict(files: Array(Set(lines.dropFirst().filter { !$0.isEmpty })).sorted(), head: head)
                }
                guard r.code == 0, let tree = lines.first else {
                    throw .git(command: "git merge-tree --write-tree \(head) \(branch.commit)", status: "exit \(r.code)",
                               said: r.output.split(separator: "\n").suffix(4).joined(separator: " | "))
                }
                new = try git.run(["commit-tree", tree, "-p", head, "-p", branch.commit, "-m", message], in: mirror)
                method = .mergeCommit
            }
            let push = try git.status(["push", "-q", "--force-with-lease=refs/heads/\(integrationBranch):\(head)", url,
                                       "\(new):refs/heads/\(integrationBranch)"], in: mirror)
            if push.code == 0 {
                try git.run(["update-ref", integrationRef, new], in: mirror)
                return .merged(commit: new, previous: head, method: method)
            }
            let said = push.output.lowercased()
            guard said.contains("stale info") || said.contains("rejected") || said.contains("fetch first") else {
                throw .git(command: "git push \(url) \(new):refs/heads/\(integrationBranch)", status: "exit \(push.code)",
                           said: push.output.split(separator: "\n").suffix(4).joined(separator: " | "))
            }
            // Someone moved the integration branch (a person, or a merger whose lock expired): again.
        }
        throw .pushRaced(branch: integrationBranch, attempts: attempts)
    }

    private func fetch(_ branch: TaskBranch) throws(MergeError) {
        try git.run(["fetch", "-q", "--no-tags", "--no-write-fetch-head", "--", url, "+refs/heads/\(integrationBranch):\(integrationRef)",
                     "+refs/heads/\(branch.name):refs/remotes/origin/\(branch.name)"], in: mirror)
        if try git.status(["cat-file", "-e", branch.commit + "^{commit}"], in: mirror).code != 0 {
            throw .commitMissing(branch: branch.name, commit: branch.commit)
        }
    }

    private func isAncestor(_ a: String, of b: String) throws(MergeError) -> Bool {
        let r = try git.status(["merge-base", "--is-ancestor", a, b], in: mirror)
        switch r.code {
        case 0: return true
        case 1: return false
        default:
            throw .git(command: "git merge-base --is-ancestor \(a) \(b)", status: "exit \(r.code)", said: r.output)
        }
    }
}
