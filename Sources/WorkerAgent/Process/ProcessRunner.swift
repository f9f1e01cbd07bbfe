#if canImport(Glibc)
import Glibc
#endif

/// Runs one process to completion: own process group, timeout with `SIGTERM` then
/// `SIGKILL` to the whole group, rlimits, cancellation from another thread, and output
/// captured through the redactor.
///
/// `run` blocks the calling thread; it needs no Swift concurrency. When the process
/// exits, whatever it left running in its process group is killed too, so a task never
/// leaves orphans behind.
public struct ProcessRunner: Sendable {
    /// The redactor every byte of output goes through before it is stored or streamed.
    public var redactor: Redactor
    /// After the process exits, how long to keep reading pipes still held open by
    /// descendants that left its process group.
    public var drainTimeout: Double
    /// Where the running process group is recorded while it lives (a worker's record, which its
    /// supervisor reads if the worker dies); nil for none.
    public var groupRecord: TaskGroupRecord?

    /// Creates a runner.
    public init(redactor: Redactor, drainTimeout: Double = 0.5, groupRecord: TaskGroupRecord? = nil) {
        self.redactor = redactor
        self.drainTimeout = drainTimeout
        self.groupRecord = groupRecord
    }

    /// Runs `request` and waits for it to end.
    ///
    /// - Parameters:
    ///   - cancellation: cancel it from another thread to stop the run (the group gets
    ///     `SIGTERM`, then `SIGKILL` after the grace period).
    ///   - onOutput: receives each redacted chunk of stdout or stderr as it is read, on
    ///     the calling thread.
    /// - Throws: ``ProcessRunnerError`` when the process cannot be started. Once started,
    ///   every outcome (failure, signal, timeout) is a ``ProcessResult``.
    public func run(
        _ request: ProcessRequest,
        cancellation: CancellationToken? = nil,
        onOutput: (([UInt8]) -> Void)? = nil
    ) throws(ProcessRunnerError) -> ProcessResult {
        let clock = ContinuousClock()
        let start = clock.now
        let child = try Spawner.spawn(request, groupRecord: groupRecord)
        var session = RunSession(
            child: child, request: request, redactor: redactor, drainTimeout: drainTimeout,
            cancellation: cancellation, onOutput: onOutput, clock: clock, start: start)
        let result = session.wait()
        // The group was killed when its leader exited (RunSession), so the record can go.
        groupRecord?.clear()
        return result
    }
}
