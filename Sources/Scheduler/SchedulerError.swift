import RedisKit

/// Errors of scheduler operations, each saying what to do next.
public enum SchedulerError: Error, Sendable, CustomStringConvertible {
    /// Redis failed (down, refused, timed out); see the wrapped error for where it tried.
    case redis(RedisError)
    /// The caller's fencing token is no longer current: another attempt owns the task.
    case stale(task: String, detail: String)
    /// The scheduler refused the call: a Redis function's error reply (`code` is its first word),
    /// or a check Swift makes before calling (``SchedulerErrorCode/badInput``). The message says
    /// what to do next.
    case refused(SchedulerErrorCode, String)
    /// A reply had an unexpected shape (a bug: please report it).
    case unexpected(String)
    /// A task spec could not be signed (the signing key is missing or unreadable).
    case signing(SigningError)

    /// The refusal's code, nil for other errors.
    public var code: SchedulerErrorCode? {
        if case let .refused(code, _) = self { return code }
        return nil
    }

    /// A message for people; a refusal ends with its code, e.g. `(NOTASK)`.
    public var description: String {
        switch self {
        case let .redis(e): return e.description
        case let .stale(task, detail): return "refused a stale report for \(task): \(detail)"
        case let .refused(code, m): return "\(m) (\(code.rawValue))"
        case let .unexpected(m): return "unexpected scheduler reply: \(m)"
        case let .signing(e): return e.description
        }
    }

    init(_ e: RedisError) {
        if case let .server(message) = e {
            let parts = message.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2, let code = SchedulerErrorCode(rawValue: parts[0]) {
                self = .refused(code, parts[1])
                return
            }
        }
        self = .redis(e)
    }
}
