/// How a run ended.
public struct ProcessResult: Sendable, Equatable {
    /// How the process itself ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        /// It exited with this status (-1: the status was lost because something else in
        /// the worker reaped the child).
        case exited(code: Int32)
        /// A signal killed it.
        case signaled(signal: Int32)

        public var description: String {
            switch self {
            case let .exited(code): return "exit \(code)"
            case let .signaled(signal): return "signal \(signal)"
            }
        }
    }

    /// Exit status or terminating signal.
    public var termination: Termination
    /// The timeout fired and the process group was killed.
    public var timedOut: Bool
    /// The run was cancelled through its ``CancellationToken``.
    public var cancelled: Bool
    /// Wall-clock seconds from spawn to reaping.
    public var duration: Double
    /// Redacted standard output and standard error, interleaved as read.
    public var output: String
    /// Redacted standard output alone (where agents print their usage report).
    public var standardOutput: String
    /// Captured output exceeded the cap: only its tail is kept.
    public var truncated: Bool

    /// Creates a result.
    public init(
        termination: Termination, timedOut: Bool = false, cancelled: Bool = false, duration: Double = 0,
        output: String = "", standardOutput: String = "", truncated: Bool = false
    ) {
        self.termination = termination
        self.timedOut = timedOut
        self.cancelled = cancelled
        self.duration = duration
        self.output = output
        self.standardOutput = standardOutput
        self.truncated = truncated
    }

    /// Exited with status 0, neither timed out nor cancelled.
    public var succeeded: Bool { termination == .exited(code: 0) && !timedOut && !cancelled }

    /// A one-line summary for logs and events.
    public var summary: String {
        if timedOut { return "timed out (\(termination))" }
        if cancelled { return "cancelled (\(termination))" }
        return termination.description
    }
}
