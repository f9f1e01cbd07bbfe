/// A decoded Redis reply (RESP2).
public enum RedisValue: Sendable, Equatable, CustomStringConvertible {
    /// A status reply such as `OK` or `QUEUED`.
    case status(String)
    /// An error reply; its text starts with the error code (`ERR`, `WRONGTYPE`, `NOPERM`, ...).
    case error(String)
    /// An integer reply.
    case integer(Int)
    /// A bulk string; binary safe.
    case bulk([UInt8])
    /// A nil bulk or nil array.
    case null
    /// An array of replies.
    indirect case array([RedisValue])

    /// The value as text: bulk strings (decoded as UTF-8), statuses, integers.
    public var string: String? {
        switch self {
        case let .bulk(b): return String(decoding: b, as: UTF8.self)
        case let .status(s): return s
        case let .integer(i): return String(i)
        default: return nil
        }
    }

    /// The value as an integer: integer replies, or bulk strings holding a number.
    public var int: Int? {
        switch self {
        case let .integer(i): return i
        case let .bulk(b): return Int(String(decoding: b, as: UTF8.self))
        case let .status(s): return Int(s)
        default: return nil
        }
    }

    /// The value as a double: bulk strings holding a number, or integers.
    public var double: Double? {
        switch self {
        case let .integer(i): return Double(i)
        case let .bulk(b): return Double(String(decoding: b, as: UTF8.self))
        default: return nil
        }
    }

    /// The raw bytes of a bulk string.
    public var bytes: [UInt8]? {
        if case let .bulk(b) = self { return b }
        return nil
    }

    /// The elements of an array reply (nil arrays give nil).
    public var array: [RedisValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// True for a nil reply.
    public var isNull: Bool { self == .null }

    /// Interprets a flat array of alternating field/value pairs (HGETALL, CONFIG GET) as a dictionary.
    public var fieldMap: [String: RedisValue] {
        guard let a = array else { return [:] }
        var out: [String: RedisValue] = [:]
        var i = 0
        while i + 1 < a.count {
            if let k = a[i].string { out[k] = a[i + 1] }
            i += 2
        }
        return out
    }

    /// A short readable rendering, for logs and test failures.
    public var description: String {
        switch self {
        case let .status(s): return "+\(s)"
        case let .error(e): return "-\(e)"
        case let .integer(i): return ":\(i)"
        case let .bulk(b): return "\"\(String(decoding: b.prefix(200), as: UTF8.self))\"" + (b.count > 200 ? "…(\(b.count) bytes)" : "")
        case .null: return "(nil)"
        case let .array(a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
