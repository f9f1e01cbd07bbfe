/// The outcome of one execution.
public struct ExecutionResult: Sendable, Equatable {
    /// How the process ended, with its redacted output.
    public var process: ProcessResult
    /// Tokens the agent reported using, when it reported them.
    public var tokensUsed: Int?

    /// Creates a result.
    public init(process: ProcessResult, tokensUsed: Int? = nil) {
        self.process = process
        self.tokensUsed = tokensUsed
    }

    /// Exit status 0, neither timed out nor cancelled.
    public var succeeded: Bool { process.succeeded }
}
