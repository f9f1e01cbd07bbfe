/// How to start a coding agent CLI, from the worker's configuration.
///
/// The prompt reaches the agent as argv data, never through a shell: each argv element
/// equal to or containing ``AgentCommandTemplate/promptPlaceholder`` has the placeholder
/// replaced literally by the prompt.
public struct AgentCommandTemplate: Sendable, Equatable {
    /// The text in ``argv`` that stands for the prompt.
    public static let promptPlaceholder = "{prompt}"

    /// Program and arguments, e.g. `["claude", "-p", "{prompt}", "--output-format", "json"]`.
    public var argv: [String]
    /// Dotted path of the token count in the last JSON object the agent prints on stdout,
    /// e.g. `usage.total_tokens`. When a `total...` leaf is absent, its parent's
    /// `input_tokens + output_tokens` is used.
    public var usageJSONField: String?
    /// A regular expression with one capture group for the token count, e.g.
    /// `Tokens used: ([0-9,]+)`; the last match in stdout counts.
    public var usagePattern: String?
    /// Extra environment variables for the agent; they override the task environment.
    public var env: [String: String]

    /// Creates a template.
    public init(argv: [String], usageJSONField: String? = nil, usagePattern: String? = nil, env: [String: String] = [:]) {
        self.argv = argv
        self.usageJSONField = usageJSONField
        self.usagePattern = usagePattern
        self.env = env
    }

    /// The argv for one prompt.
    /// - Throws: ``ExecutorError`` when the template is empty or has no placeholder.
    public func arguments(forPrompt prompt: String) throws(ExecutorError) -> [String] {
        guard !argv.isEmpty else { throw .emptyAgentCommand }
        guard argv.contains(where: { $0.contains(Self.promptPlaceholder) }) else {
            throw .missingPromptPlaceholder(argv: argv)
        }
        return argv.map { $0.replacing(Self.promptPlaceholder, with: prompt) }
    }
}
