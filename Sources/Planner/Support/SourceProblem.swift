/// One problem found in a config or plan file: where it is and what to do about it.
///
/// `line` and `column` are 1-based and refer to the text that was loaded; they are `nil` when
/// the problem has no single place in the text (for example a plan built in code).
public struct SourceProblem: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the offending text, if known.
    public var line: Int?
    /// 1-based column of the offending text, if known.
    public var column: Int?
    /// Key path of the offending value, such as `tasks[3].budget` or `orchestrator.run_lease`.
    public var path: String
    /// What is wrong and how to fix it.
    public var message: String

    /// Creates a problem.
    public init(line: Int? = nil, column: Int? = nil, path: String, message: String) {
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// `line 12, column 5: tasks[3].budget: expected an integer, found "lots"`.
    public var description: String {
        var text = ""
        if let line {
            text += "line \(line)"
            if let column { text += ", column \(column)" }
            text += ": "
        }
        if !path.isEmpty { text += "\(path): " }
        return text + message
    }
}

/// A problem in a plan file or plan; see ``SourceProblem``.
public typealias PlanProblem = SourceProblem

/// A problem in a config file; see ``SourceProblem``.
public typealias ConfigProblem = SourceProblem

extension Array where Element == SourceProblem {
    /// The problems one per line, ordered by line so the file can be fixed top to bottom.
    func listing(source: String?) -> String {
        let sorted = self.enumerated().sorted { lhs, rhs in
            let l = lhs.element.line ?? Int.max, r = rhs.element.line ?? Int.max
            return l != r ? l < r : lhs.offset < rhs.offset
        }.map(\.element)
        let prefix = source.map { "\($0): " } ?? ""
        return sorted.map { "  \(prefix)\($0.description)" }.joined(separator: "\n")
    }
}
