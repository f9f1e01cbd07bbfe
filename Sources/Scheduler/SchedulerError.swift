import RedisKit

/// Errors of scheduler operations, each saying what to do next.
public enum SchedulerError: Error, Sendable, CustomStringConvertible {
    /// Redis failed (down, refused, timed out); see the wrapped error for where it tried.
    case redis(RedisError)
    /// The caller's fencing token is no longer current: another attempt owns the task.
    case stale(task: String, detail: String)
    /// No such task or feature.
    case notFound(String)
    /// The task is in a state the operation does not apply to.
    case badState(String)
    /// A feature id clashes with a different plan already submitted.
    case featureExists(String)
    /// A submit was refused before anything was written: a value out of bounds, a bad id or path.
    case invalidInput(String)
    /// A task's record in Redis is corrupt; it was quarantined (needs_human). Cancel it.
    case corrupt(String)
    /// A reply had an unexpected shape (a bug: please report it).
    case unexpected(String)
    /// A task spec could not be signed (the signing key is missing or unreadable).
    case signing(SigningError)

    /// A message for people.
    public var description: String {
        switch self {
        case let .redis(e): return e.description
        case let .stale(task, detail): return "refused a stale report for \(task): \(detail)"
        case let .notFound(m), let .badState(m), let .featureExists(m), let .invalidInput(m), let .corrupt(m): return m
        case let .unexpected(m): return "unexpected scheduler reply: \(m)"
        case let .signing(e): return e.description
        }
    }

    init(_ e: RedisError) {
        if case let .server(message) = e {
            let parts = message.split(separator: " ", maxSplits: 1).map(String.init)
            let text = parts.count > 1 ? parts[1] : message
            switch parts.first {
            case "NOTASK", "NOFEATURE": self = .notFound(text); return
            case "BADSTATE", "BADACTION", "UNKNOWNWORKER": self = .badState(text); return
            case "FEATUREEXISTS": self = .featureExists(text); return
            case "BADINPUT": self = .invalidInput(text); return
            case "CORRUPT": self = .corrupt(text); return
            default: break
            }
        }
        self = .redis(e)
    }
}
