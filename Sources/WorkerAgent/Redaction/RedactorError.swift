/// Errors raised while building a ``Redactor``.
public enum RedactorError: Error, Equatable, CustomStringConvertible {
    /// A redaction pattern is not a valid regular expression.
    case invalidPattern(pattern: String, reason: String)
    /// A block rule's begin or end marker is not a valid regular expression.
    case invalidBlockMarker(marker: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidPattern(pattern, reason):
            return "redaction pattern \(pattern.debugDescription) is not a valid regular expression (\(reason)); "
                + "fix or remove it in the `redaction.patterns` setting"
        case let .invalidBlockMarker(marker, reason):
            return "redaction block marker \(marker.debugDescription) is not a valid regular expression (\(reason)); "
                + "fix or remove it in the `redaction.blocks` setting"
        }
    }
}
