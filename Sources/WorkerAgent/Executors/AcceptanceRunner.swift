/// One acceptance command and how it ended.
public struct AcceptanceStep: Sendable, Equatable {
    /// Position of the command in the task's `acceptance_tests`, from 0.
    public var index: Int
    /// The command as written in the plan.
    public var command: String
    /// How it ended, with its redacted output.
    public var result: ProcessResult

    /// Exit status 0, neither timed out nor cancelled.
    public var passed: Bool { result.succeeded }
}

/// The outcome of a task's acceptance tests.
public struct AcceptanceReport: Sendable, Equatable {
    /// The commands that ran, in order; the run stops after the first failure.
    public var steps: [AcceptanceStep]

    /// The command that failed, with its redacted output; `nil` when all passed.
    public var failure: AcceptanceStep? { steps.first { !$0.passed } }

    /// All commands passed (vacuously true when there are none).
    public var passed: Bool { failure == nil }
}

/// Runs a task's acceptance test commands, each with `/bin/sh -c`, in the task's
/// directory, stopping at the first failure.
public struct AcceptanceRunner: Sendable {
    /// The runner used for every command (and its redactor).
    public var runner: ProcessRunner

    /// Creates an acceptance runner.
    public init(runner: ProcessRunner) {
        self.runner = runner
    }

    /// Runs `commands` one after the other in `context`; the context's timeout applies to
    /// each command. A command that fails, times out or is cancelled stops the run.
    ///
    /// - Throws: ``ProcessRunnerError`` when a command cannot be started (for example, the
    ///   working directory is missing).
    public func run(
        commands: [String],
        context: ExecutionContext,
        cancellation: CancellationToken? = nil,
        onOutput: (([UInt8]) -> Void)? = nil
    ) throws(ProcessRunnerError) -> AcceptanceReport {
        var report = AcceptanceReport(steps: [])
        for (index, command) in commands.enumerated() {
            let result = try runner.run(
                context.request(argv: ["/bin/sh", "-c", command]), cancellation: cancellation, onOutput: onOutput)
            report.steps.append(AcceptanceStep(index: index, command: command, result: result))
            if !result.succeeded { break }
        }
        return report
    }
}
