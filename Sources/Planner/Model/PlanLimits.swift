/// The bounds every plan value must stay within, so that no accepted plan can overflow a
/// counter, crash a worker or break the scheduler's Lua (which holds numbers as doubles and
/// writes integers as decimal text: anything up to 10^14 stays an exact integer there).
///
/// The parser reports a value outside its bound with the line and field; the scheduler checks
/// the same bounds again before it writes a task (`TaskRecord.problem`, and `submit_tasks`).
public enum PlanLimits {
    /// Longest task or feature id.
    public static let idLength = 128
    /// Longest task type, agent, machine or capability name.
    public static let nameLength = 128
    /// Longest artifact, input, `cwd` or `repo` path.
    public static let pathLength = 1024
    /// Largest token budget of a task or a feature (one trillion tokens).
    public static let budget = 1_000_000_000_000
    /// Largest `retries`.
    public static let retries = 1000
    /// Range of `priority`.
    public static let priority = -1_000_000...1_000_000
    /// Longest `timeout` (and `seconds` of a sleep task): 30 days, in seconds.
    public static let seconds: Double = 30 * 86_400
    /// Largest plan file read (16 MiB); a bigger file is refused before it is read.
    public static let planBytes = 16 << 20
    /// Range of a `deadline`, as seconds since 1970 (years 2000 to 9999).
    public static let deadline: ClosedRange<Double> = 946_684_800...253_402_300_799
}

/// Whether every byte is a letter, digit, `-`, `_` or `.` (ASCII only).
func isSafeName(_ text: String, extra: Set<UInt8> = []) -> Bool {
    !text.isEmpty && text.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x2D || byte == 0x5F || byte == 0x2E || extra.contains(byte)
    }
}

/// Why `id` cannot be a task or feature id, or `nil`.
public func planIDProblem(_ id: String) -> String? {
    if id.utf8.count > PlanLimits.idLength {
        return "'\(id.prefix(40))…' is \(id.utf8.count) bytes long; use at most \(PlanLimits.idLength)"
    }
    return isSafeName(id) ? nil : "'\(id)' is not a valid id; use letters, digits, '-', '_' and '.' only"
}

/// Why `name` cannot be a task type, agent, machine or capability name, or `nil`.
/// Capabilities may also hold `:` and `=` (`gpu:a100`, `os=linux`).
public func planNameProblem(_ name: String, what: String, allowing extra: String = "") -> String? {
    if name.utf8.count > PlanLimits.nameLength {
        return "'\(name.prefix(40))…' is \(name.utf8.count) bytes long; a \(what) has at most \(PlanLimits.nameLength)"
    }
    let shown = extra.map { "'\($0)'" }.joined(separator: ", ")
    return isSafeName(name, extra: Set(extra.utf8)) ? nil
        : "'\(name)' is not a valid \(what); use letters, digits, '-', '_', '.'\(shown.isEmpty ? "" : ", " + shown) only"
}
