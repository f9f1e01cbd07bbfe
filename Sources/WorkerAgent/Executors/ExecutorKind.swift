import Planner

/// What a task runs.
public enum ExecutorKind: Sendable, Equatable {
    /// A shell command written by the plan author, run as `/bin/sh -c command`.
    case script(command: String)
    /// A coding agent CLI given `prompt` as one argv element; its `env` is expanded from the
    /// task's environment on the worker.
    case agent(prompt: String, agent: AgentConfig)
    /// Does nothing and succeeds (benchmarks).
    case noop
    /// Waits, then succeeds (benchmarks); honours timeout and cancellation.
    case sleep(seconds: Double)
}
