import Foundation
import Planner
import Scheduler

/// How one task run ended, in the scheduler's terms.
public enum TaskOutcome: Sendable, Equatable {
    /// Succeeded (acceptance tests passed): report usage and a short result. A repository
    /// task's work is on `branch` (already pushed), for the merge queue; nil for other tasks.
    case succeeded(tokens: Int, result: String, branch: TaskBranch? = nil)
    /// Failed: retry (`.error`) or park for a person (`.human`).
    case failed(kind: FailureKind, reason: String, tokens: Int, output: String)
    /// Stopped because the worker lost the task (lease gone, cancelled, draining at once).
    case abandoned(String)
    /// Not run: its spec is not signed by a key this worker trusts (or was altered after
    /// signing). The task goes to a person, with a `spec_rejected` event.
    case rejected(reason: String)

    /// The outcome with every reason passed through `redactor`: a reason quotes plan text
    /// (an acceptance command) and error messages, and leaves the worker for Redis, events,
    /// the ledger and review.
    func redacted(by redactor: Redactor) -> TaskOutcome {
        switch self {
        case let .failed(kind, reason, tokens, output):
            return .failed(kind: kind, reason: redactor.redact(reason), tokens: tokens, output: output)
        case let .rejected(reason):
            return .rejected(reason: redactor.redact(reason))
        case let .abandoned(why):
            return .abandoned(redactor.redact(why))
        case .succeeded:
            return self
        }
    }
}

/// Runs one task spec with the worker's executors and acceptance tests.
public struct TaskRun: Sendable {
    /// Worker settings (agents, limits, redaction).
    public var settings: WorkerSettings
    /// How much output is kept in Redis with the result.
    public var outputTail = 4096
    /// Where repository tasks get their worktrees.
    public var workspaces: Workspaces

    /// Creates a runner; `workspaces` defaults to the settings' root, with no Redis records.
    public init(settings: WorkerSettings, workspaces: Workspaces? = nil) {
        self.settings = settings
        self.workspaces = workspaces ?? Workspaces(settings: settings)
    }

    /// Runs a started task: checks its signature over the exact stored spec (before anything of
    /// it is even decoded), decodes it, and runs it.
    public func run(_ task: StartedTask, cancellation: CancellationToken?,
                    onOutput: (([UInt8]) -> Void)? = nil) -> TaskOutcome {
        do { try settings.specTrust.verifySignature(of: task) } catch {
            return TaskOutcome.rejected(reason: error.description).redacted(by: settings.redactor)
        }
        let spec: TaskSpec
        do {
            spec = try TaskSpec.decode(json: Data(task.specJSON.utf8))
        } catch {
            return TaskOutcome.failed(kind: .human, reason: "unreadable task spec: \(error)", tokens: 0, output: "")
                .redacted(by: settings.redactor)
        }
        do { try settings.specTrust.checkIdentity(of: task, spec: spec) } catch {
            return TaskOutcome.rejected(reason: error.description).redacted(by: settings.redactor)
        }
        return run(spec, attempt: task.attempt, workspace: workspaceRequest(for: spec, attempt: task.attempt),
                   cancellation: cancellation, onOutput: onOutput)
    }

    /// Runs `spec` (attempt `attempt`), streaming redacted output to `onOutput`. The spec is
    /// trusted as it is: ``run(_:cancellation:onOutput:)`` checks a started task's signature.
    ///
    /// With `workspace` the task runs in a fresh worktree of its repository (see
    /// ``Workspaces``); without, in its `cwd` as before.
    public func run(_ spec: TaskSpec, attempt: Int, workspace: WorkspaceRequest? = nil, cancellation: CancellationToken?,
                    onOutput: (([UInt8]) -> Void)? = nil) -> TaskOutcome {
        runUnredacted(spec, attempt: attempt, workspace: workspace, cancellation: cancellation, onOutput: onOutput)
            .redacted(by: settings.redactor)
    }

    /// The environment of one attempt: the worker's minus its Redis connection, plus identity.
    func environment(for spec: TaskSpec, attempt: Int) -> [String: String] {
        settings.taskEnvironment.forTask(identity: [
            "SWARM_TASK_ID": spec.globalID, "SWARM_FEATURE": spec.feature,
            "SWARM_ATTEMPT": String(attempt), "SWARM_WORKER": settings.id,
        ])
    }

    private func runUnredacted(_ spec: TaskSpec, attempt: Int, workspace: WorkspaceRequest?, cancellation: CancellationToken?,
                               onOutput: (([UInt8]) -> Void)?) -> TaskOutcome {
        guard let kind = ResolvedExecutor(spec.executor, agents: settings.agents) else {
            let name = if case let .agent(name, _) = spec.executor { name } else { "" }
            return .failed(kind: .human, reason: "agent '\(name)' is not configured on worker \(settings.id); add it under agents: in config.yaml",
                           tokens: 0, output: "")
        }
        if let workspace {
            return runInWorkspace(spec, kind: kind, request: workspace, attempt: attempt, cancellation: cancellation, onOutput: onOutput)
        }
        if spec.isRepositoryTask {
            // Never in the worker's own directory: a repository task runs in a worktree.
            return .failed(kind: .human, reason: "repository task without an integration branch in its spec; submit the feature again",
                           tokens: 0, output: "")
        }
        if case .noop = kind, spec.acceptanceTests.isEmpty { return .succeeded(tokens: 0, result: "", branch: nil) }
        if let cwd = spec.cwd, !FileManager.default.fileExists(atPath: cwd) {
            return .failed(kind: .human, reason: "working directory \(cwd) does not exist on \(settings.host)", tokens: 0, output: "")
        }
        let context = context(for: spec, attempt: attempt, workingDirectory: spec.cwd)
        let runner = processRunner()
        let tokens: Int, tail: String
        switch execute(kind, spec: spec, context: context, runner: runner, cancellation: cancellation, onOutput: onOutput) {
        case let .finished(t, out): (tokens, tail) = (t, out)
        case let .stopped(outcome): return outcome
        }
        if let outcome = acceptance(spec, context: context, runner: runner, tokens: tokens, tail: tail,
                                    cancellation: cancellation, onOutput: onOutput) {
            return outcome
        }
        return .succeeded(tokens: tokens, result: tail, branch: nil)
    }

    /// The execution context of an attempt in `workingDirectory`.
    func context(for spec: TaskSpec, attempt: Int, workingDirectory: String?) -> ExecutionContext {
        ExecutionContext(workingDirectory: workingDirectory, environment: environment(for: spec, attempt: attempt),
                         timeout: spec.timeout > 0 ? spec.timeout : nil, killGracePeriod: settings.killGrace,
                         limits: settings.limits, maxOutputBytes: settings.maxOutputBytes)
    }

    /// The runner of task processes (their group recorded for the supervisor).
    func processRunner() -> ProcessRunner {
        ProcessRunner(redactor: settings.redactor, groupRecord: settings.taskGroupFile.map(TaskGroupRecord.init(path:)))
    }

    /// How the executor ended: finished with success (tokens, output tail), or the outcome to report.
    enum Execution {
        case finished(tokens: Int, tail: String)
        case stopped(TaskOutcome)
    }

    /// Runs the executor; anything but success is already the outcome to report.
    func execute(_ kind: ResolvedExecutor, spec: TaskSpec, context: ExecutionContext, runner: ProcessRunner,
                 cancellation: CancellationToken?, onOutput: (([UInt8]) -> Void)?) -> Execution {
        let result: ExecutionResult
        do {
            result = try TaskExecutor(runner: runner).execute(kind, context: context, cancellation: cancellation, onOutput: onOutput)
        } catch {
            return .stopped(.failed(kind: .error, reason: "could not start: \(error)", tokens: 0, output: ""))
        }
        let tokens = result.tokensUsed ?? 0
        let p = result.process
        let tail = String(p.output.suffix(outputTail))
        if p.cancelled { return .stopped(.abandoned("cancelled")) }
        if p.timedOut {
            return .stopped(.failed(kind: .error, reason: "timed out after \(Int(spec.timeout)) s (process group killed)", tokens: tokens, output: tail))
        }
        guard p.succeeded else {
            return .stopped(.failed(kind: .error, reason: "\(p.termination)", tokens: tokens, output: tail))
        }
        return .finished(tokens: tokens, tail: tail)
    }

    /// Runs the acceptance tests; nil when they all passed (or there are none).
    func acceptance(_ spec: TaskSpec, context: ExecutionContext, runner: ProcessRunner, tokens: Int, tail: String,
                    cancellation: CancellationToken?, onOutput: (([UInt8]) -> Void)?) -> TaskOutcome? {
        guard !spec.acceptanceTests.isEmpty else { return nil }
        let report: AcceptanceReport
        do {
            report = try AcceptanceRunner(runner: runner).run(commands: spec.acceptanceTests, context: context,
                                                               cancellation: cancellation, onOutput: onOutput)
        } catch {
            return .failed(kind: .error, reason: "could not run acceptance tests: \(error)", tokens: tokens, output: tail)
        }
        guard let f = report.failure else { return nil }
        if f.result.cancelled { return .abandoned("cancelled") }
        let kind: FailureKind = settings.retryAcceptanceTypes.contains(spec.type) ? .error : .human
        return .failed(kind: kind, reason: "acceptance test `\(f.command)` failed (\(f.result.termination))",
                       tokens: tokens, output: String(f.result.output.suffix(outputTail)))
    }
}
