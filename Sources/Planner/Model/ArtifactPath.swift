/// Whether two artifact paths may touch the same file: equal paths, or one is a directory
/// that contains the other.
///
/// Every path is treated as covering its subtree (a trailing `/` only documents that it is a
/// directory), so `src/api/` and `src/api` both overlap `src/api/x.swift`, while `src/a` does
/// not overlap `src/ab`. The scheduler's artifact locks use the same rule.
public func artifactsOverlap(_ a: String, _ b: String) -> Bool {
    let a = artifactLockKey(a), b = artifactLockKey(b)
    return a.hasPrefix(b) || b.hasPrefix(a)
}

/// The path with exactly one trailing `/`: the key whose prefixes decide overlap
/// (`a` overlaps `b` exactly when one key is a prefix of the other).
public func artifactLockKey(_ path: String) -> String {
    if path.utf8.last != UInt8(ascii: "/") { return path + "/" }
    var trimmed = Substring(path)
    while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    return trimmed + "/"
}

/// Why a repo-relative path is unacceptable, or `nil` when it is fine.
func artifactPathProblem(_ path: String) -> String? {
    // Fast path: the common case has no '..', is relative and names something.
    let bytes = path.utf8
    if let first = bytes.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "~"), first != UInt8(ascii: "."),
       !containsDotDot(bytes) {
        return nil
    }
    if path.isEmpty || path == "." || path == "./" {
        return "is empty; name a file or directory inside the repository"
    }
    if path.hasPrefix("/") || path.hasPrefix("~") {
        return "'\(path)' is absolute; use a path relative to the repository root"
    }
    var depth = 0
    for component in path.split(separator: "/") {
        switch component {
        case "..":
            depth -= 1
            if depth < 0 { return "'\(path)' escapes the repository; use a path inside it" }
        case ".": continue
        default: depth += 1
        }
    }
    if path.split(separator: "/").contains("..") {
        return "'\(path)' contains '..'; write the path without it"
    }
    return nil
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
