import Foundation

/// Whether a plan's `repo` names a repository by URL (`file://`, `ssh://`, `https://`, or
/// scp-like `user@host:path`) rather than a folder on this host.
public func repositoryIsURL(_ repo: String) -> Bool {
    if repo.contains("://") { return true }
    // scp-like syntax: a ':' before the first '/', as git reads it (`host:path`, `git@host:org/x`).
    guard let colon = repo.firstIndex(of: ":") else { return false }
    let slash = repo.firstIndex(of: "/") ?? repo.endIndex
    return colon < slash && !repo.hasPrefix("/")
}

/// URL schemes a feature's repository may use. Git's `ext::` and `fd::` transports run
/// commands or read descriptors, so a plan must never choose them.
public let repositoryURLSchemes = ["file", "ssh", "git", "http", "https"]

/// Why `repo` cannot be a feature's repository, or `nil`: a folder path (see
/// ``repositoryPathProblem(_:)``) or a URL git can fetch with one of ``repositoryURLSchemes``.
func repositoryProblem(_ repo: String) -> String? {
    guard repositoryIsURL(repo) else { return repositoryPathProblem(repo) }
    if repo.utf8.count > PlanLimits.pathLength {
        return "is \(repo.utf8.count) bytes long; use at most \(PlanLimits.pathLength)"
    }
    if repo.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
        return "'\(terminalSafe(repo))' contains a space or control character; write the URL without it"
    }
    if repo.hasPrefix("-") { return "'\(repo)' starts with '-'; give a URL or a path" }
    if let range = repo.range(of: "://") {
        let scheme = repo[..<range.lowerBound].lowercased()
        if !repositoryURLSchemes.contains(scheme) {
            return "'\(repo)' uses the scheme '\(scheme)'; use one of \(repositoryURLSchemes.joined(separator: ", ")) or a path"
        }
    } else if repo.contains("::") {
        return "'\(repo)' names a git remote helper; use a file://, ssh:// or https:// URL, or a path"
    }
    return nil
}

/// Where task branches live: `swarm-task/<feature>/<task>`. They cannot live under the
/// integration branch `swarm/<feature>`: a git ref cannot be both a branch and a folder of
/// branches.
public let taskBranchPrefix = "swarm-task/"

/// Why `name` cannot be a feature's integration branch, or `nil`: the rules of
/// `git check-ref-format --branch` that matter here (letters, digits, `-`, `_`, `.`, `/`; no
/// empty, `.`-led or `.lock` component, no `..`), and not among the task branches.
func integrationBranchProblem(_ name: String) -> String? {
    if name.isEmpty { return "is empty; remove `integration_branch` to use swarm/<feature>" }
    if name.utf8.count > 200 { return "is \(name.utf8.count) bytes long; use at most 200" }
    if !isSafeName(name, extra: [UInt8(ascii: "/")]) {
        return "'\(terminalSafe(name))' is not a branch name; use letters, digits, '-', '_', '.' and '/'"
    }
    let parts = name.split(separator: "/", omittingEmptySubsequences: false)
    if parts.contains(where: { $0.isEmpty || $0.hasPrefix(".") || $0.hasSuffix(".lock") }) || name.contains("..")
        || name.hasPrefix("-") {
        return "'\(name)' is not a valid git branch name (empty, '.'-led or '.lock' part, or '..'); write it like swarm/login"
    }
    if name.hasPrefix(taskBranchPrefix) || name + "/" == taskBranchPrefix {
        return "'\(name)' is where task branches live (\(taskBranchPrefix)<feature>/<task>); choose another branch"
    }
    return nil
}
