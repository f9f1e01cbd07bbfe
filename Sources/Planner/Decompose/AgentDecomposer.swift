import Foundation
import SwarmSupport

/// Asks the configured planning agent to decompose a feature into a JSON plan.
///
/// The agent is `planner.agent` (or the one given), run from its `agents` command template with
/// the request as ONE argv element in place of `{prompt}` — never through a shell. Its output
/// must contain a JSON plan (see ``PlanLoader``), which gets the same checks as a plan file. If
/// the plan is invalid the agent is asked once more, with the problems; if that fails too, or
/// the agent cannot run or times out, the ``TemplateDecomposer`` plan is used and
/// ``Decomposition/fellBack`` is set, with ``Decomposition/notes`` saying why.
public struct AgentDecomposer: Sendable {
    /// The config giving agents, task types and defaults.
    public var config: SwarmConfig
    /// Name of the agent to run (a key of `config.agents`).
    public var agent: String
    /// Seconds each agent run may take before it is killed.
    public var timeout: Double
    /// Whether warnings make the agent's plan invalid.
    public var strict: Bool
    /// Environment of the agent process.
    public var environment: [String: String]

    /// A decomposer running `agent` (default `planner.agent`) with `timeout` (default `planner.timeout`).
    public init(config: SwarmConfig, agent: String? = nil, timeout: Double? = nil, strict: Bool = false,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = config
        self.agent = agent ?? config.planner.agent
        self.timeout = timeout ?? config.planner.timeout
        self.strict = strict
        self.environment = environment
    }

    /// Decomposes `request` with the agent, retrying once and falling back to the template.
    ///
    /// - Throws: ``PlanError`` only when even the template plan is invalid for this config.
    public func decompose(_ request: String) throws(PlanError) -> Decomposition {
        var notes: [String] = []
        guard let agentConfig = config.agents[agent] else {
            notes.append("agent '\(agent)' is not configured\(didYouMean(agent, config.agents.keys)); add it under agents in the config")
            return try fallBack(request, notes: notes)
        }
        var problems: [PlanProblem] = []
        for attempt in 1...2 {
            let prompt = Self.prompt(for: request, config: config, problems: problems)
            let argv = agentConfig.arguments(prompt: prompt)
            let outcome: ChildProcess.Outcome
            do {
                outcome = try ChildProcess.run(argv, environment: agentConfig.environment(base: environment).map { "\($0.key)=\($0.value)" },
                                               timeout: timeout)
            } catch {
                let program = argv.first ?? ""
                notes.append("agent '\(agent)' could not run: " + (error.code == ENOENT
                    ? "'\(program)' was not found on PATH; install it or set the agent's command to its full path"
                    : "cannot start '\(program)': \(error)"))
                return try fallBack(request, notes: notes)
            }
            if outcome.timedOut {
                notes.append("agent '\(agent)' did not answer within \(timeout.plain) s and was stopped; raise planner.timeout if it needs longer")
                return try fallBack(request, notes: notes)
            }
            if outcome.status != 0 {
                let detail = outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500)
                notes.append("agent '\(agent)' exited with status \(outcome.status.map(String.init) ?? "killed")\(detail.isEmpty ? "" : ": \(detail)")")
                return try fallBack(request, notes: notes)
            }
            guard let text = PlanExtraction.planText(in: outcome.stdout) else {
                problems = [PlanProblem(path: "", message: "the answer contains no JSON object; reply with the plan as one JSON object")]
                notes.append("attempt \(attempt): agent '\(agent)' printed no JSON plan")
                continue
            }
            do {
                let plan = try PlanLoader(config: config, strict: strict).load(text: text, format: .json, source: "agent output")
                notes.append("attempt \(attempt): agent '\(agent)' wrote a valid plan")
                return Decomposition(plan: plan, fellBack: false, notes: notes)
            } catch {
                problems = error.problems
                notes.append("attempt \(attempt): agent '\(agent)' wrote an invalid plan:\n" + problems.listing(source: nil))
            }
        }
        return try fallBack(request, notes: notes)
    }

    private func fallBack(_ request: String, notes: [String]) throws(PlanError) -> Decomposition {
        var result = try TemplateDecomposer(config: config).decompose(request)
        result.fellBack = true
        result.notes = notes + ["fell back to the built-in template plan"]
        return result
    }

    /// The request sent to the planning agent: the plan format, the allowed types and agents,
    /// the rules, the feature, and on a retry the problems of the previous answer.
    public static func prompt(for request: String, config: SwarmConfig, problems: [PlanProblem] = []) -> String {
        var text = """
        You are planning a software feature for Swarm, a scheduler that runs coding agents in parallel.
        Reply with ONLY one JSON object, no prose, in this form:
        {"feature": "<id>", "description": "<one line>", "budget": <total tokens>,
         "tasks": [{"id": "<id>", "type": "<type>", "title": "<title>", "agent": "<agent>", "prompt": "<instructions>",
                    "depends_on": ["<id>"], "artifacts": ["<repo-relative path, trailing / for a directory>"],
                    "acceptance_tests": ["<shell command>"]}]}
        Task types: \(config.taskTypes.keys.sorted().joined(separator: ", ")).
        Agents: \(config.agents.keys.sorted().joined(separator: ", ")).
        Rules: ids use only letters, digits, '-', '_' and '.'; dependencies must not form a cycle; tasks that may run
        at the same time must not write overlapping artifacts; artifact paths are relative and stay inside the repository;
        the sum of task budgets must not exceed \(config.budgets.defaultFeatureBudget) tokens.

        Feature: \(request)
        """
        if !problems.isEmpty {
            text += "\n\nYour previous answer had these problems:\n" + problems.listing(source: nil)
                + "\nReply again with the corrected JSON only."
        }
        return text
    }
}
