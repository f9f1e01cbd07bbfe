import Foundation

/// Whether two artifact paths may touch the same file: equal paths, or one is a directory
/// that contains the other.
///
/// Every path is treated as covering its subtree (a trailing `/` only documents that it is a
/// directory), so `src/api/` and `src/api` both overlap `src/api/x.swift`, while `src/a` does
/// not overlap `src/ab`. Paths are compared normalised (``normalizedArtifactPath(_:)``), so
/// `./src//api/x` overlaps `src/api/`. The scheduler's artifact locks use the same rule.
public func artifactsOverlap(_ a: String, _ b: String) -> Bool {
    let a = artifactLockKey(a), b = artifactLockKey(b)
    return a.hasPrefix(b) || b.hasPrefix(a)
}

/// The normalised path with exactly one trailing `/`: the key whose prefixes decide overlap
/// (`a` overlaps `b` exactly when one key is a prefix of the other).
public func artifactLockKey(_ path: String) -> String {
    let normal = normalizedArtifactPath(path)
    return normal.hasSuffix("/") ? normal : normal + "/"
}

/// A repo-relative path in one spelling: no empty or `.` components, no leading `./`, one
/// trailing `/` when the path names a directory (`./src//api/` → `src/api/`, `src/./x` →
/// `src/x`). `..` components are kept (validation refuses them); `.` alone stays `.`.
public func normalizedArtifactPath(_ path: String) -> String {
    // Fast path: already normal (no '//', no '.' component, at most one trailing '/').
    if isNormalArtifactPath(path) { return path }
    let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    if parts.isEmpty { return path.hasPrefix("/") ? "/" : "." }
    let directory = path.hasSuffix("/") || path.hasSuffix("/.")
    return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/") + (directory ? "/" : "")
}

/// Whether `path` is already in the form ``normalizedArtifactPath(_:)`` returns: no empty
/// component (`//`) and no `.` component, except that `.` alone is its own normal form.
public func isNormalArtifactPath(_ path: String) -> Bool {
    var index = 0, length = 0, onlyDot = false
    for byte in path.utf8 {
        if byte == UInt8(ascii: "/") {
            if length == 0 && index != 0 { return false } // '//' (a leading '/' is an absolute path)
            if length == 1 && onlyDot { return false }     // a '.' component
            length = 0
        } else {
            onlyDot = length == 0 && byte == UInt8(ascii: ".")
            length += 1
        }
        index += 1
    }
    if index == 0 { return false }
    return !(length == 1 && onlyDot) || path == "."
}

/// Why a repo-relative path is unacceptable, or `nil` when it is fine: empty, absolute, `~`,
/// `..` anywhere, control characters, or longer than ``PlanLimits/pathLength``.
public func artifactPathProblem(_ path: String) -> String? {
    let bytes = path.utf8
    if bytes.count > PlanLimits.pathLength {
        return "'\(path.prefix(40))…' is \(bytes.count) bytes long; use at most \(PlanLimits.pathLength)"
    }
    if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
        return "'\(terminalSafe(path))' contains a control character; write the path without it"
    }
    // Fast path: the common case has no '..', is relative and names something.
    if let first = bytes.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "~"), first != UInt8(ascii: "."),
       !containsDotDot(bytes) {
        return nil
    }
    if normalizedArtifactPath(path) == "." {
        return "is empty; name a file or directory inside the repository"
    }
    if path.hasPrefix("/") || path.hasPrefix("~") {
        return "'\(path)' is absolute; use a path relative to the repository root"
    }
    var depth = 0
    for component in path.split(separator: "/") where component != "." {
        depth += component == ".." ? -1 : 1
        if depth < 0 { return "'\(path)' escapes the repository; use a path inside it" }
    }
    if path.split(separator: "/").contains("..") {
        return "'\(path)' contains '..'; write the path inside the repository without it"
    }
    return nil
}

/// Why `repo` (a plan's repository path) is unacceptable, or `nil`: `..` components, control
/// characters or a path longer than ``PlanLimits/pathLength``. It may be absolute: the
/// repository is where the submitter says it is, and every other path is checked against it.
func repositoryPathProblem(_ repo: String) -> String? {
    if repo.isEmpty { return "is empty; remove `repo` or name the repository folder" }
    if repo.utf8.count > PlanLimits.pathLength {
        return "is \(repo.utf8.count) bytes long; use at most \(PlanLimits.pathLength)"
    }
    if repo.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
        return "'\(terminalSafe(repo))' contains a control character; write the path without it"
    }
    if repo.split(separator: "/").contains("..") {
        return "'\(repo)' contains '..'; give the repository's path without it (absolute, or relative to the plan file)"
    }
    return nil
}

/// The repository folder of a plan: `repo` (absolute, or relative to `base`) or `base`.
public func repositoryRoot(repo: String?, base: String) -> String {
    guard let repo, !repo.isEmpty else { return base }
    return repo.hasPrefix("/") ? repo : base + "/" + repo
}

/// Why `path` (repo-relative, already free of `..`) leaves `root` on disk through a symbolic
/// link, or `nil` when it stays inside (or does not exist yet: a task may create it). The
/// longest existing prefix is resolved with `realpath`, so a link anywhere along the way counts.
func symlinkEscapeProblem(_ path: String, root: String) -> String? {
    guard let realRoot = realPath(root) else { return nil } // no repository on this host: nothing to resolve
    var prefix = realRoot
    for component in normalizedArtifactPath(path).split(separator: "/") {
        let candidate = prefix + "/" + component
        var info = stat()
        guard lstat(candidate, &info) == 0 else { break } // not there yet
        guard let resolved = realPath(candidate) else { break }
        if resolved != realRoot && !resolved.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") {
            return "'\(path)' leads out of the repository through the symbolic link \(candidate) -> \(resolved); name a path inside it"
        }
        prefix = resolved
    }
    return nil
}

/// `realpath(3)` of `path`, or nil when some part of it does not exist.
private func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// Whether the bytes contain two consecutive dots.
private func containsDotDot(_ bytes: String.UTF8View) -> Bool {
    var previousWasDot = false
    for byte in bytes {
        let isDot = byte == UInt8(ascii: ".")
        if isDot && previousWasDot { return true }
        previousWasDot = isDot
    }
    return false
}
