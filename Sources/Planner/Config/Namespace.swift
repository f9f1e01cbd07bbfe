/// The rules for a namespace name, wherever it comes from (`redis.namespace`,
/// `SWARM_NAMESPACE`, `--namespace`): it sits inside the Redis hash tag `swarm:{NS}:` and in
/// the ledger's file name, so `*`, `}`, `/`, spaces and the like are refused.
public enum Namespace {
    /// Longest namespace name.
    public static let maxLength = 64

    /// Why `name` cannot be a namespace, or `nil`: 1 to 64 ASCII letters, digits, `.`, `_`, `-`.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "the namespace is empty; use letters, digits, '.', '_' or '-'" }
        if name.utf8.count > maxLength {
            return "the namespace '\(terminalSafe(String(name.prefix(maxLength))))…' is longer than \(maxLength) bytes; use a shorter name"
        }
        if !isSafeName(name) || name == "." || name == ".." {
            return "'\(terminalSafe(name))' is not a valid namespace; use 1 to \(maxLength) letters, digits, '.', '_' or '-' (ASCII)"
        }
        return nil
    }
}
