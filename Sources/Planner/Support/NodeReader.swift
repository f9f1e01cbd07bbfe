/// Reads typed values out of a ``SourceDocument``, collecting every problem with its key path
/// and line instead of stopping at the first one.
///
/// Paths are passed as autoclosures so that a valid document never pays for building them.
struct NodeReader {
    /// The document being read.
    let document: SourceDocument
    /// Problems found so far, in the order they were found.
    private(set) var problems: [SourceProblem] = []

    init(document: SourceDocument = SourceDocument()) {
        self.document = document
    }

    /// The position of `node`, if there is one.
    func mark(_ node: SourceNode?) -> SourceMark? {
        node.map(document.mark)
    }

    /// Records a problem at `node`'s position.
    mutating func report(_ message: String, path: String, at node: SourceNode?) {
        let mark = self.mark(node)
        problems.append(SourceProblem(line: mark?.line, column: mark?.column, path: path, message: message))
    }

    /// Records a problem that has already been located.
    mutating func report(_ problem: SourceProblem) {
        problems.append(problem)
    }

    /// The entries of a mapping node; reports a non-mapping node, duplicate keys and every key
    /// not in `allowed` (with a suggestion when one is close).
    mutating func mapping(_ node: SourceNode, path: @autoclosure () -> String, allowed: [String]?) -> Fields? {
        guard document[node].kind == .mapping else {
            report("expected a mapping of keys to values, found \(describe(node))", path: path(), at: node)
            return nil
        }
        var fields = Fields(node: node)
        let list = document.children(of: node)
        fields.entries.reserveCapacity(list.count / 2)
        var position = list.startIndex
        while position + 1 < list.endIndex {
            let keyNode = SourceNode(index: list[position]), value = SourceNode(index: list[position + 1])
            position += 2
            guard document[keyNode].kind == .scalar else {
                report("keys must be plain names, found \(describe(keyNode))", path: path(), at: keyNode)
                continue
            }
            let key = document[keyNode].value
            if let allowed, !allowed.contains(key) {
                report("unknown key '\(key)'\(didYouMean(key, allowed)); allowed keys: \(allowed.joined(separator: ", "))",
                       path: joined(path(), key), at: keyNode)
                continue
            }
            if let first = fields.entries.first(where: { $0.key == key }) {
                report("duplicate key '\(key)' (first at line \(document.mark(first.keyNode).line)); keep one",
                       path: joined(path(), key), at: keyNode)
                continue
            }
            fields.entries.append(Fields.Entry(key: key, keyNode: keyNode, value: value))
        }
        return fields
    }

    private func joined(_ base: String, _ key: String) -> String {
        base.isEmpty ? key : "\(base).\(key)"
    }

    /// The scalar text of `node` if it is a non-null scalar; reports a collection.
    private mutating func scalar(_ node: SourceNode, expected: String, path: () -> String) -> SourceDocument.Entry? {
        let entry = document[node]
        guard entry.kind == .scalar else {
            report("expected \(expected), found \(describe(node))", path: path(), at: node)
            return nil
        }
        return entry.isNull ? nil : entry
    }

    /// A string scalar; `nil` (without a problem) for an explicit null.
    mutating func string(_ node: SourceNode, path: @autoclosure () -> String) -> String? {
        scalar(node, expected: "a string", path: path)?.value
    }

    /// A non-empty string; reports an empty one.
    mutating func requiredString(_ node: SourceNode, path: @autoclosure () -> String) -> String? {
        let value = string(node, path: path())
        if document[node].kind == .scalar, value?.isEmpty ?? true {
            report("must not be empty", path: path(), at: node)
            return nil
        }
        return value
    }

    /// An integer scalar, optionally checked against `range`.
    mutating func int(_ node: SourceNode, path: @autoclosure () -> String, in range: ClosedRange<Int>? = nil) -> Int? {
        guard let entry = scalar(node, expected: "an integer", path: path) else { return nil }
        guard entry.isPlain, let value = Int(entry.value) ?? Int(entry.value.replacingOccurrences(of: "_", with: "")) else {
            report("expected an integer, found \(entry.describedValue)", path: path(), at: node)
            return nil
        }
        if let range, !range.contains(value) {
            report("\(value) is out of range; use a value in \(range.describedRange)", path: path(), at: node)
            return nil
        }
        return value
    }

    /// A number scalar (integers accepted), optionally checked against `range` or for being positive.
    mutating func double(_ node: SourceNode, path: @autoclosure () -> String, in range: ClosedRange<Double>? = nil,
                         positive: Bool = false) -> Double? {
        guard let entry = scalar(node, expected: "a number", path: path) else { return nil }
        guard entry.isPlain, let value = Double(entry.value) ?? Double(entry.value.replacingOccurrences(of: "_", with: "")),
              value.isFinite else {
            report("expected a number, found \(entry.describedValue)", path: path(), at: node)
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

    /// A boolean scalar: `true` or `false` (also yes/no, on/off).
    mutating func bool(_ node: SourceNode, path: @autoclosure () -> String) -> Bool? {
        guard let entry = scalar(node, expected: "true or false", path: path) else { return nil }
        if entry.isPlain {
            switch entry.value.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: break
            }
        }
        report("expected true or false, found \(entry.describedValue)", path: path(), at: node)
        return nil
    }

    /// A sequence of strings; a single string is accepted as a one-element list.
    mutating func strings(_ node: SourceNode, path: @autoclosure () -> String) -> [String]? {
        let entry = document[node]
        switch entry.kind {
        case .sequence:
            let list = document.children(of: node)
            var values: [String] = []
            values.reserveCapacity(list.count)
            for (offset, child) in list.enumerated() {
                if let value = string(SourceNode(index: child), path: "\(path())[\(offset)]") { values.append(value) }
            }
            return values
        case .scalar:
            return entry.isNull ? [] : [entry.value]
        case .mapping:
            report("expected a list of strings, found \(describe(node))", path: path(), at: node)
            return nil
        }
    }

    /// A mapping of names to strings.
    mutating func stringMap(_ node: SourceNode, path: @autoclosure () -> String) -> [String: String]? {
        guard let fields = mapping(node, path: path(), allowed: nil) else { return nil }
        var result: [String: String] = [:]
        for entry in fields.entries {
            if let value = string(entry.value, path: "\(path()).\(entry.key)") { result[entry.key] = value }
        }
        return result
    }

    /// `a mapping`, `a list`, `the string "x"` or `'x'` — for messages.
    func describe(_ node: SourceNode) -> String {
        let entry = document[node]
        switch entry.kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar: return entry.describedValue
        }
    }
}

/// The accepted entries of one mapping node, in file order.
struct Fields {
    /// One `key: value` pair.
    struct Entry {
        let key: String
        let keyNode: SourceNode
        let value: SourceNode
    }

    /// The mapping node itself (for its position).
    let node: SourceNode
    /// Accepted entries in file order.
    var entries: [Entry] = []

    /// The value of `key`, if present.
    subscript(key: String) -> SourceNode? {
        entries.first { $0.key == key }?.value
    }
}

extension SourceDocument.Entry {
    /// True for a plain `null`, `~` or empty value.
    var isNull: Bool {
        guard isPlain else { return false }
        switch value {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// `the string "abc"` or `'abc'` — for messages.
    var describedValue: String {
        isPlain ? "'\(value)'" : "the string \"\(value)\""
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
