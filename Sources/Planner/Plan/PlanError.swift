/// Why a plan was rejected.
public enum PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The plan file could not be read.
    case unreadable(path: String, reason: String)
    /// The plan has problems; all of them are listed, each with its line and field path.
    case invalid(source: String?, problems: [PlanProblem])

    /// Every problem (one for an unreadable file).
    public var problems: [PlanProblem] {
        switch self {
        case .unreadable(let path, let reason):
            return [PlanProblem(path: "", message: "cannot read \(path): \(reason)")]
        case .invalid(_, let problems):
            return problems
        }
    }

    /// A message listing every problem and what to do next.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read plan file \(path): \(reason). Check the path and try again."
        case .invalid(let source, let problems):
            let count = problems.count == 1 ? "1 problem; fix it" : "\(problems.count) problems; fix them"
            return "plan \(source ?? "text") has \(count) and run again:\n" + problems.listing(source: source)
        }
    }
}
