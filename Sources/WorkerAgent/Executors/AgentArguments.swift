import Planner

/// The worker runs agents straight from the Planner's ``AgentConfig`` (one type from config file
/// to `execve`), with these checks before it starts one.
extension AgentConfig {
    /// The argv for one prompt: each element equal to or containing `{prompt}` has it replaced
    /// literally, so the prompt reaches the agent as argv data, never through a shell.
    /// - Throws: ``ExecutorError`` when the command is empty or has no placeholder.
    public func arguments(forPrompt prompt: String) throws(ExecutorError) -> [String] {
        guard !command.isEmpty else { throw .emptyAgentCommand }
        guard command.contains(where: { $0.contains(Self.promptPlaceholder) }) else {
            throw .missingPromptPlaceholder(argv: command)
        }
        return arguments(prompt: prompt)
    }
}
