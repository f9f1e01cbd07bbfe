import Planner

/// What a task runs, resolved on the worker: the spec's ``ExecutorSpec`` with its agent name
/// replaced by that agent's configuration on this worker. ``TaskExecutor`` runs it.
public enum ResolvedExecutor: Sendable, Equatable {
    /// A shell command written by the plan author, run as `/bin/sh -c command`.
    case script(command: String)
    /// A coding agent CLI given `prompt` as one argv element; its `env` is expanded from the
    /// task's environment on the worker.
    case agent(prompt: String, agent: AgentConfig)
    /// Does nothing and succeeds (benchmarks).
    case noop
    /// Waits, then succeeds (benchmarks); honours timeout and cancellation.
    case sleep(seconds: Double)

    /// Resolves `spec` against this worker's `agents`; `nil` when it names an agent the worker
    /// does not have.
    public init?(_ spec: ExecutorSpec, agents: [String: AgentConfig]) {
        switch spec {
        case let .agent(name, prompt):
            guard let agent = agents[name] else { return nil }
            self = .agent(prompt: prompt, agent: agent)
        case let .script(command): self = .script(command: command)
        case .noop: self = .noop
        case let .sleep(seconds): self = .sleep(seconds: seconds)
        }
    }
}
