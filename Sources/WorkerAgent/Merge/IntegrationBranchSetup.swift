import Foundation
import Planner
import Scheduler

/// The submit side of the merge queue: resolves a feature's repository (a folder on this host or
/// a URL git can fetch), records its base commit and creates the feature's integration branch
/// in it when it does not exist yet. Resubmitting finds the branch and keeps it.
public enum IntegrationBranchSetup {
    /// Prepares `feature`'s repository; `baseDirectory` is what a relative `repo` is relative to
    /// (the plan file's folder). The feature must have a `repo`.
    public static func prepare(_ feature: Feature, baseDirectory: String) throws(MergeError) -> FeatureRepository {
        let repo = feature.repo ?? "."
        let git = MergeGit(timeout: 300)
        let url: String
        if repositoryIsURL(repo) {
            url = repo
        } else {
            url = URL(fileURLWithPath: repositoryRoot(repo: repo, base: baseDirectory)).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url, isDirectory: &isDirectory), isDirectory.boolValue,
                  (try? git.run(["rev-parse", "--git-dir"], in: url)) != nil else { throw .notARepository(url) }
        }
        let branch = feature.effectiveIntegrationBranch
        let ref = "refs/heads/" + branch
        let heads = try lsRemote(git, url: url, refs: [ref, "HEAD"])
        if let existing = heads[ref] {
            return FeatureRepository(url: url, baseCommit: existing, integrationBranch: branch, integrationTests: feature.integrationTests)
        }
        guard let base = heads["HEAD"] else { throw .noCommit(repository: url) }
        let created = try createBranch(git, url: url, ref: ref, at: base)
        return FeatureRepository(url: url, baseCommit: created, integrationBranch: branch, integrationTests: feature.integrationTests)
    }

    /// `ref → commit` for the refs of `url` that exist.
    static func lsRemote(_ git: MergeGit, url: String, refs: [String]) throws(MergeError) -> [String: String] {
        let out = try git.run(["ls-remote", "--", url] + refs, in: nil)
        var found: [String: String] = [:]
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { found[String(parts[1])] = String(parts[0]) }
        }
        return found
    }

    /// Creates `ref` at `commit` in the repository, only if it still does not exist (a
    /// concurrent submit of the same feature wins cleanly). Returns the commit it points at.
    private static func createBranch(_ git: MergeGit, url: String, ref: String, at commit: String) throws(MergeError) -> String {
        if !repositoryIsURL(url) {
            // A folder on this host: the object is there; create the ref only if absent.
            try git.run(["update-ref", ref, commit, String(repeating: "0", count: 40)], in: url)
            return commit
        }
        // A URL: push from a scratch repository that fetched the commit (shallow: the
        // repository already has the history, so the push sends nothing but the new ref).
        let scratch = NSTemporaryDirectory() + "swarm-submit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try git.run(["init", "-q", "--bare", scratch], in: nil)
        try git.run(["fetch", "-q", "--depth=1", "--", url, "HEAD"], in: scratch)
        let fetched = try git.run(["rev-parse", "FETCH_HEAD"], in: scratch)
        try git.run(["push", "-q", "--force-with-lease=\(ref):", "--", url, "\(fetched):\(ref)"], in: scratch)
        return fetched
    }
}
