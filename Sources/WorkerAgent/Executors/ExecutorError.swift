/// Why a task could not be executed.
public enum ExecutorError: Error, Equatable, CustomStringConvertible {
    /// The agent template has no command.
    case emptyAgentCommand
    /// No argv element of the agent template contains `{prompt}`.
    case missingPromptPlaceholder(argv: [String])
    /// The template's `usagePattern` is not a valid regular expression.
    case invalidUsagePattern(pattern: String, reason: String)
    /// The process could not be started.
    case launch(ProcessRunnerError)

    public var description: String {
        switch self {
        case .emptyAgentCommand:
            return "the agent command template is empty; set its argv in the `agents` section of config.yaml"
        case let .missingPromptPlaceholder(argv):
            return "the agent command \(argv) has no {prompt} argument; add one where the prompt goes"
        case let .invalidUsagePattern(pattern, reason):
            return "agent usage pattern \(pattern.debugDescription) is not a valid regular expression (\(reason)); "
                + "fix it in config.yaml (it needs one capture group for the token count)"
        case let .launch(error):
            return error.description
        }
    }
}
