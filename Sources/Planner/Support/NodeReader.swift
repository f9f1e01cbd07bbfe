import Foundation
import Yams

/// Reads typed values out of a composed YAML/JSON node tree, collecting every problem with its
/// key path and line instead of stopping at the first one.
///
/// Paths are passed as autoclosures so that a valid document never pays for building them.
struct NodeReader {
    /// Problems found so far, in the order they were found.
    private(set) var problems: [SourceProblem] = []

    /// Records a problem at `node`'s position.
    mutating func report(_ message: String, path: String, at node: Node?) {
        problems.append(SourceProblem(line: node?.mark?.line, column: node?.mark?.column, path: path, message: message))
    }

    /// Records a problem that has already been located.
    mutating func report(_ problem: SourceProblem) {
        problems.append(problem)
    }

    /// The entries of a mapping node; reports a non-mapping node and every key not in `allowed`.
    mutating func mapping(_ node: Node, path: @autoclosure () -> String, allowed: [String]?) -> Fields? {
        guard case .mapping(let mapping) = node else {
            report("expected a mapping of keys to values, found \(node.kindDescription)", path: path(), at: node)
            return nil
        }
        var fields = Fields(node: node)
        fields.entries.reserveCapacity(mapping.count)
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                report("keys must be plain names, found \(keyNode.kindDescription)", path: path(), at: keyNode)
                continue
            }
            let key = scalar.string
            if let allowed, !allowed.contains(key) {
                let here = path()
                report("unknown key '\(key)'\(didYouMean(key, allowed)); allowed keys: \(allowed.joined(separator: ", "))",
                       path: here.isEmpty ? key : "\(here).\(key)", at: keyNode)
                continue
            }
            fields.entries.append(Fields.Entry(key: key, keyNode: keyNode, value: value))
        }
        return fields
    }

    /// A string scalar; `nil` (without a problem) for an explicit null.
    mutating func string(_ node: Node, path: @autoclosure () -> String) -> String? {
        guard case .scalar(let scalar) = node else {
            report("expected a string, found \(node.kindDescription)", path: path(), at: node)
            return nil
        }
        if scalar.isNull { return nil }
        return scalar.string
    }

    /// A non-empty string; reports an empty or missing one.
    mutating func requiredString(_ node: Node, path: @autoclosure () -> String) -> String? {
        guard let value = string(node, path: path()) else {
            if case .scalar = node { report("must not be empty", path: path(), at: node) }
            return nil
        }
        if value.isEmpty {
            report("must not be empty", path: path(), at: node)
            return nil
        }
        return value
    }

    /// An integer scalar, optionally checked against `range`.
    mutating func int(_ node: Node, path: @autoclosure () -> String, in range: ClosedRange<Int>? = nil) -> Int? {
        guard case .scalar(let scalar) = node, !scalar.isNull else {
            if case .scalar = node { return nil }
            report("expected an integer, found \(node.kindDescription)", path: path(), at: node)
            return nil
        }
        guard scalar.style == .plain || scalar.style == .any,
              let value = Int(scalar.string.replacingOccurrences(of: "_", with: "")) else {
            report("expected an integer, found \(scalar.describedValue)", path: path(), at: node)
            return nil
        }
        if let range, !range.contains(value) {
            report("\(value) is out of range; use a value in \(range.describedRange)", path: path(), at: node)
            return nil
        }
        return value
    }

    /// A number scalar (integers accepted), optionally checked against `range`.
    mutating func double(_ node: Node, path: @autoclosure () -> String, in range: ClosedRange<Double>? = nil,
                         positive: Bool = false) -> Double? {
        guard case .scalar(let scalar) = node, !scalar.isNull else {
            if case .scalar = node { return nil }
            report("expected a number, found \(node.kindDescription)", path: path(), at: node)
            return nil
        }
        guard scalar.style == .plain || scalar.style == .any,
              let value = Double(scalar.string.replacingOccurrences(of: "_", with: "")), value.isFinite else {
            report("expected a number, found \(scalar.describedValue)", path: path(), at: node)
            return nil
        }
        if positive, value <= 0 {
            report("\(value.plain) must be greater than 0", path: path(), at: node)
            return nil
        }
        if let range, !range.contains(value) {
            report("\(value.plain) is out of range; use a value in \(range.lowerBound.plain)...\(range.upperBound.plain)",
                   path: path(), at: node)
            return nil
        }
        return value
    }

    /// A boolean scalar: `true` or `false`.
    mutating func bool(_ node: Node, path: @autoclosure () -> String) -> Bool? {
        guard case .scalar(let scalar) = node, !scalar.isNull else {
            if case .scalar = node { return nil }
            report("expected true or false, found \(node.kindDescription)", path: path(), at: node)
            return nil
        }
        if scalar.style == .plain || scalar.style == .any {
            switch scalar.string.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: break
            }
        }
        report("expected true or false, found \(scalar.describedValue)", path: path(), at: node)
        return nil
    }

    /// A sequence of strings; a single string is accepted as a one-element list.
    mutating func strings(_ node: Node, path: @autoclosure () -> String) -> [String]? {
        switch node {
        case .sequence(let sequence):
            var values: [String] = []
            values.reserveCapacity(sequence.count)
            for (index, element) in sequence.enumerated() {
                if let value = string(element, path: "\(path())[\(index)]") { values.append(value) }
            }
            return values
        case .scalar(let scalar):
            if scalar.isNull { return [] }
            return [scalar.string]
        default:
            report("expected a list of strings, found \(node.kindDescription)", path: path(), at: node)
            return nil
        }
    }

    /// A mapping of names to strings.
    mutating func stringMap(_ node: Node, path: @autoclosure () -> String) -> [String: String]? {
        guard let fields = mapping(node, path: path(), allowed: nil) else { return nil }
        var result: [String: String] = [:]
        for entry in fields.entries {
            if let value = string(entry.value, path: "\(path()).\(entry.key)") { result[entry.key] = value }
        }
        return result
    }
}

/// The accepted entries of one mapping node, in file order.
struct Fields {
    /// One `key: value` pair.
    struct Entry {
        let key: String
        let keyNode: Node
        let value: Node
    }

    /// The mapping node itself (for its position).
    let node: Node
    /// Accepted entries in file order.
    var entries: [Entry] = []

    /// The value of `key`, if present.
    subscript(key: String) -> Node? {
        entries.first { $0.key == key }?.value
    }
}

extension Node {
    /// `a mapping`, `a list`, `the string "x"` — for messages.
    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar): return scalar.describedValue
        case .alias: return "an alias"
        }
    }
}

extension Node.Scalar {
    /// True for a plain `null`, `~` or empty value.
    var isNull: Bool {
        guard style == .plain || style == .any else { return false }
        switch string {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// `the string "abc"` or `'abc'` — for messages.
    var describedValue: String {
        style == .plain || style == .any ? "'\(string)'" : "the string \"\(string)\""
    }
}

extension ClosedRange where Bound == Int {
    var describedRange: String {
        upperBound == Int.max ? "\(lowerBound) or more" : "\(lowerBound)...\(upperBound)"
    }
}

extension Double {
    /// `2` for 2.0, `0.25` otherwise — for messages and rendered output.
    var plain: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}

/// Composes YAML (or JSON) text into a node tree, turning a syntax error into a located problem.
func composeDocument(_ text: String) -> ComposedDocument {
    do {
        return .document(try Yams.compose(yaml: text, .basic))
    } catch let error as YamlError {
        return .syntaxError(error.problem)
    } catch {
        return .syntaxError(SourceProblem(path: "", message: "cannot parse: \(error)"))
    }
}

/// The outcome of ``composeDocument(_:)``: a node tree (nil for empty text) or a syntax error.
enum ComposedDocument {
    case document(Node?)
    case syntaxError(SourceProblem)
}

extension YamlError {
    /// This syntax error as a located problem.
    var problem: SourceProblem {
        switch self {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return SourceProblem(line: mark.line, column: mark.column, path: "",
                                 message: "syntax error: \(problem)\(detail); fix the YAML/JSON syntax here")
        case .reader(let problem, _, _, _):
            return SourceProblem(path: "", message: "cannot read the text: \(problem); save it as UTF-8")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return SourceProblem(line: context.mark.line, column: context.mark.column, path: "",
                                 message: "duplicate keys \(duplicates.joined(separator: ", ")); keep one of each")
        default:
            return SourceProblem(path: "", message: "cannot parse: \(self)")
        }
    }
}
