import Planner

/// Compares what an attempt changed with what its task declared it may write.
public enum ArtifactCheck {
    /// The changed paths no declared artifact covers. An artifact covers itself and, as a
    /// directory (`src/api/` or `src/api`), everything under it — the rule of the scheduler's
    /// artifact locks (``artifactLockKey(_:)``).
    public static func outside(changed: [String], artifacts: [String]) -> [String] {
        let keys = artifacts.map(artifactLockKey)
        return changed.filter { path in
            let key = artifactLockKey(path)
            return !keys.contains { key.hasPrefix($0) }
        }
    }

    /// The message of a violation: the paths (at most `limit`, then a count) and the declared
    /// artifacts.
    public static func describe(outside: [String], artifacts: [String], limit: Int = 20) -> String {
        let shown = outside.prefix(limit).map { terminalSafe($0) }.joined(separator: ", ")
        let more = outside.count > limit ? " and \(outside.count - limit) more" : ""
        let declared = artifacts.isEmpty ? "none" : artifacts.joined(separator: ", ")
        return "wrote outside its artifacts: \(shown)\(more) (declared: \(declared))"
    }
}
