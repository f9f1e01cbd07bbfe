/// Why a config could not be loaded.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file was read but has problems; all of them are listed.
    case invalid(source: String?, problems: [ConfigProblem])

    /// Every problem (one for an unreadable file).
    public var problems: [ConfigProblem] {
        switch self {
        case .unreadable(let path, let reason):
            return [ConfigProblem(path: "", message: "cannot read \(path): \(reason)")]
        case .invalid(_, let problems):
            return problems
        }
    }

    /// A message listing every problem and what to do next.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read config file \(path): \(reason). Check the path, or pass --config with an existing file."
        case .invalid(let source, let problems):
            let count = problems.count == 1 ? "1 problem; fix it" : "\(problems.count) problems; fix them"
            return "config \(source ?? "text") has \(count) and run again:\n" + problems.listing(source: source)
        }
    }
}
