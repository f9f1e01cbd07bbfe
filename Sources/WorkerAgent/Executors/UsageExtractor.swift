import Foundation

/// Reads an agent's token usage from its standard output.
struct UsageExtractor {
    let jsonPath: [String]?
    let pattern: ByteRegex?

    /// Most `{` positions tried, from the end, when looking for the usage object.
    static let maxCandidates = 512

    init(jsonField: String?, pattern: String?) throws(ExecutorError) {
        jsonPath = jsonField.map { $0.split(separator: ".").map(String.init) }.flatMap { $0.isEmpty ? nil : $0 }
        if let pattern {
            do { self.pattern = try ByteRegex(pattern) } catch {
                throw .invalidUsagePattern(pattern: pattern, reason: error.reason)
            }
        } else {
            self.pattern = nil
        }
    }

    /// The token count: from the JSON field if found, else from the pattern.
    func tokens(in output: String) -> Int? {
        if let jsonPath, let found = Self.tokens(inJSON: output, path: jsonPath) { return found }
        if let pattern, let last = pattern.captures(in: output).last {
            return Int(last.filter { $0 != "," && $0 != "_" }.trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Looks for `path` in JSON objects of `output`, the last object first.
    static func tokens(inJSON output: String, path: [String]) -> Int? {
        let bytes = Array(output.utf8)
        var tried = 0
        var index = bytes.count - 1
        while index >= 0 && tried < maxCandidates {
            if bytes[index] == UInt8(ascii: "{") {
                tried += 1
                if let end = matchingBrace(bytes, from: index),
                   let object = try? JSONSerialization.jsonObject(with: Data(bytes[index...end])),
                   let value = lookup(object, path: path) {
                    return value
                }
            }
            index -= 1
        }
        return nil
    }

    /// The index of the `}` closing the object that opens at `start`, skipping strings.
    static func matchingBrace(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for i in start..<bytes.count {
            let byte = bytes[i]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { return i }
            default: break
            }
        }
        return nil
    }

    static func lookup(_ object: Any, path: [String]) -> Int? {
        var current: Any = object
        for (position, key) in path.enumerated() {
            guard let dictionary = current as? [String: Any] else { return nil }
            if let next = dictionary[key] {
                current = next
            } else if position == path.count - 1, key.contains("total") {
                let parts = ["input_tokens", "output_tokens"].compactMap { dictionary[$0].flatMap(integer) }
                return parts.isEmpty ? nil : parts.reduce(0, +)
            } else {
                return nil
            }
        }
        return integer(current)
    }

    static func integer(_ value: Any) -> Int? {
        switch value {
        case let number as Int: return number
        case let number as Double: return number.isFinite ? Int(number) : nil
        case let number as NSNumber: return number.intValue
        case let text as String: return Int(text)
        default: return nil
        }
    }
}
