import Foundation
import Planner

/// Runs a ``ResolvedExecutor`` with a ``ProcessRunner``.
public struct TaskExecutor: Sendable {
    /// The runner (and through it, the redactor) every process goes through.
    public var runner: ProcessRunner

    /// Creates a task executor.
    public init(runner: ProcessRunner) {
        self.runner = runner
    }

    /// Runs `kind` in `context` and blocks until it ends.
    ///
    /// - Parameters:
    ///   - cancellation: cancel from another thread to stop the task.
    ///   - onOutput: receives redacted output chunks as they are read.
    /// - Throws: ``ExecutorError`` when the task cannot be started; once started, every
    ///   outcome is an ``ExecutionResult``.
    public func execute(
        _ kind: ResolvedExecutor,
        context: ExecutionContext,
        cancellation: CancellationToken? = nil,
        onOutput: (([UInt8]) -> Void)? = nil
    ) throws(ExecutorError) -> ExecutionResult {
        switch kind {
        case let .script(command):
            return ExecutionResult(process: try launch(
                context.request(argv: ["/bin/sh", "-c", command]), cancellation, onOutput))
        case let .agent(prompt, agent):
            let argv = try agent.arguments(forPrompt: prompt)
            let usage = try UsageExtractor(jsonField: agent.usageJSONField, pattern: agent.usagePattern)
            // `${NAME}` in the agent's env is filled from the task environment, which holds the
            // worker's variables minus its Redis connection: an agent cannot be handed those.
            let process = try launch(
                context.request(argv: argv, extraEnvironment: agent.expandedEnvironment(from: context.environment)),
                cancellation, onOutput)
            return ExecutionResult(process: process, tokensUsed: usage.tokens(in: process.standardOutput))
        case .noop:
            return ExecutionResult(process: ProcessResult(termination: .exited(code: 0)))
        case let .sleep(seconds):
            return ExecutionResult(process: Self.sleep(seconds, timeout: context.timeout, cancellation: cancellation))
        }
    }

    private func launch(
        _ request: ProcessRequest, _ cancellation: CancellationToken?, _ onOutput: (([UInt8]) -> Void)?
    ) throws(ExecutorError) -> ProcessResult {
        do {
            return try runner.run(request, cancellation: cancellation, onOutput: onOutput)
        } catch {
            throw .launch(error)
        }
    }

    /// Sleeps in-process: no child, so benchmarks measure the scheduler, not `fork`.
    /// A timeout or cancellation reports `SIGTERM` (15) as the termination, like a real child.
    private static func sleep(_ seconds: Double, timeout: Double?, cancellation: CancellationToken?) -> ProcessResult {
        let clock = ContinuousClock()
        let start = clock.now
        let wait = min(max(seconds, 0), timeout ?? .infinity)
        let cancelled: Bool
        if let cancellation {
            cancelled = cancellation.wait(timeout: wait)
        } else {
            cancelled = false
            Thread.sleep(forTimeInterval: wait)
        }
        let elapsed = clock.now - start
        let timedOut = !cancelled && seconds > (timeout ?? .infinity)
        return ProcessResult(
            termination: cancelled || timedOut ? .signaled(signal: 15) : .exited(code: 0),
            timedOut: timedOut, cancelled: cancelled,
            duration: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
