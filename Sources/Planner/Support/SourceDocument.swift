import CYaml

/// A position in source text: 1-based line and column (columns count Unicode scalars).
struct SourceMark: Sendable, Equatable {
    let line: Int
    let column: Int
}

/// A node of a ``SourceDocument``: an index into its arena.
struct SourceNode: Hashable {
    let index: Int32
}

/// A YAML (or JSON) document parsed with libyaml's event parser into one flat arena of nodes,
/// each with its position.
///
/// Yams' `compose` builds a tree of enum nodes with a tag object per node, which costs about a
/// microsecond per node — a second for a 100,000-task plan. Building this arena from the same
/// libyaml events (Yams' bundled CYaml) is several times faster and keeps every line and column.
struct SourceDocument {
    enum Kind: UInt8 {
        case scalar, mapping, sequence
    }

    struct Entry {
        var kind: Kind
        /// True for a plain (unquoted) scalar; quoted and block scalars are always strings.
        var isPlain: Bool
        var line: Int32
        var column: Int32
        /// Scalar text; empty for collections.
        var value: String
        /// Collections: children in `children[firstChild ..< firstChild + childCount]`;
        /// a mapping's children alternate key, value.
        var firstChild: Int32
        var childCount: Int32
    }

    private(set) var entries: [Entry] = []
    private(set) var children: [Int32] = []

    /// The root node; `nil` for an empty document.
    private(set) var root: SourceNode?

    subscript(node: SourceNode) -> Entry { entries[Int(node.index)] }

    /// The position of `node`.
    func mark(_ node: SourceNode) -> SourceMark {
        let entry = entries[Int(node.index)]
        return SourceMark(line: Int(entry.line), column: Int(entry.column))
    }

    /// The children of a collection node (a mapping's alternate key, value).
    func children(of node: SourceNode) -> ArraySlice<Int32> {
        let entry = entries[Int(node.index)]
        return children[Int(entry.firstChild) ..< Int(entry.firstChild + entry.childCount)]
    }

    /// The value of `key` in a mapping node.
    func value(of node: SourceNode, key: String) -> SourceNode? {
        guard self[node].kind == .mapping else { return nil }
        let list = children(of: node)
        var position = list.startIndex
        while position + 1 < list.endIndex {
            if entries[Int(list[position])].value == key { return SourceNode(index: list[position + 1]) }
            position += 2
        }
        return nil
    }

    /// The `index`-th element of a sequence node.
    func element(of node: SourceNode, at index: Int) -> SourceNode? {
        guard self[node].kind == .sequence else { return nil }
        let list = children(of: node)
        return index < list.count ? SourceNode(index: list[list.startIndex + index]) : nil
    }

    /// Parses `text`; a syntax error, an alias or a second document is returned as a problem.
    static func parse(_ text: String) -> Result<SourceDocument, SyntaxError> {
        var document = SourceDocument()
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return .failure(SyntaxError(problem: SourceProblem(path: "", message: "out of memory while parsing")))
        }
        defer { yaml_parser_delete(&parser) }
        var utf8 = Array(text.utf8)
        if utf8.isEmpty { return .success(document) }
        return utf8.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return document.build(with: &parser)
        }
    }

    private mutating func build(with parser: inout yaml_parser_t) -> Result<SourceDocument, SyntaxError> {
        var open: [(node: Int32, start: Int)] = []
        var pending: [Int32] = []  // children of the open collections, innermost last
        var documents = 0
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { return .failure(SyntaxError(parser: parser)) }
            defer { yaml_event_delete(&event) }
            let mark = event.start_mark
            let line = Int32(clamping: mark.line + 1), column = Int32(clamping: mark.column + 1)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return .success(self)
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    return .failure(SyntaxError(problem: SourceProblem(line: Int(line), column: Int(column), path: "",
                                                                       message: "a second document (---) starts here; keep one document per file")))
                }
            case YAML_ALIAS_EVENT:
                return .failure(SyntaxError(problem: SourceProblem(line: Int(line), column: Int(column), path: "",
                                                                   message: "aliases (*name) are not supported; write the value out")))
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: Int(scalar.length)), as: UTF8.self)
                let isPlain = scalar.style == YAML_PLAIN_SCALAR_STYLE || scalar.style == YAML_ANY_SCALAR_STYLE
                append(Entry(kind: .scalar, isPlain: isPlain, line: line, column: column, value: value, firstChild: 0, childCount: 0),
                       to: &pending, isOpen: !open.isEmpty)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let kind: Kind = event.type == YAML_MAPPING_START_EVENT ? .mapping : .sequence
                let node = append(Entry(kind: kind, isPlain: false, line: line, column: column, value: "", firstChild: 0, childCount: 0),
                                  to: &pending, isOpen: !open.isEmpty)
                open.append((node, pending.count))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let (node, start) = open.popLast() else { continue }
                entries[Int(node)].firstChild = Int32(children.count)
                entries[Int(node)].childCount = Int32(pending.count - start)
                children.append(contentsOf: pending[start...])
                pending.removeSubrange(start...)
            default:
                continue
            }
        }
    }

    @discardableResult
    private mutating func append(_ entry: Entry, to pending: inout [Int32], isOpen: Bool) -> Int32 {
        let index = Int32(entries.count)
        entries.append(entry)
        if isOpen { pending.append(index) } else if root == nil { root = SourceNode(index: index) }
        return index
    }
}

/// A syntax error found by libyaml, as a located problem.
struct SyntaxError: Error {
    let problem: SourceProblem

    init(problem: SourceProblem) {
        self.problem = problem
    }

    init(parser: yaml_parser_t) {
        let text = parser.problem.map { String(cString: $0) } ?? "invalid syntax"
        let mark = parser.problem_mark
        var detail = ""
        if let context = parser.context {
            detail = " (\(String(cString: context)) at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        if parser.error == YAML_READER_ERROR {
            problem = SourceProblem(path: "", message: "cannot read the text: \(text); save it as UTF-8")
        } else {
            problem = SourceProblem(line: mark.line + 1, column: mark.column + 1, path: "",
                                    message: "syntax error: \(text)\(detail); fix the YAML/JSON syntax here")
        }
    }
}
