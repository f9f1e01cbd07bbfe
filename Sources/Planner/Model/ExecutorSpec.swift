/// What a task runs, as the plan says it: an agent by name, a script, a no-op or a sleep. It
/// travels in the signed spec; a worker resolves it (``ResolvedExecutor`` in WorkerAgent) and a
/// ``TaskExecutor`` runs it.
///
/// JSON form (stable; workers decode it): `{"kind":"agent","agent":"claude","prompt":"..."}`,
/// `{"kind":"script","command":"make test"}`, `{"kind":"noop"}`, `{"kind":"sleep","seconds":1.5}`.
public enum ExecutorSpec: Sendable, Equatable, Codable {
    /// A coding agent from `agents` in the config, given `prompt` as one argument.
    case agent(name: String, prompt: String)
    /// A shell command, run with `/bin/sh -c` in the task's working directory.
    case script(command: String)
    /// Does nothing and succeeds (for benchmarks and joins).
    case noop
    /// Sleeps, then succeeds (for benchmarks and tests).
    case sleep(seconds: Double)

    private enum CodingKeys: String, CodingKey {
        case kind, agent, prompt, command, seconds
    }

    /// `agent`, `script`, `noop` or `sleep`.
    public var kind: String {
        switch self {
        case .agent: return "agent"
        case .script: return "script"
        case .noop: return "noop"
        case .sleep: return "sleep"
        }
    }

    /// Decodes the JSON form described on the type.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "agent":
            self = .agent(name: try container.decode(String.self, forKey: .agent),
                          prompt: try container.decode(String.self, forKey: .prompt))
        case "script": self = .script(command: try container.decode(String.self, forKey: .command))
        case "noop": self = .noop
        case "sleep": self = .sleep(seconds: try container.decode(Double.self, forKey: .seconds))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container,
                                                   debugDescription: "unknown executor kind '\(kind)'; use agent, script, noop or sleep")
        }
    }

    /// Encodes the JSON form described on the type.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .agent(let name, let prompt):
            try container.encode(name, forKey: .agent)
            try container.encode(prompt, forKey: .prompt)
        case .script(let command): try container.encode(command, forKey: .command)
        case .noop: break
        case .sleep(let seconds): try container.encode(seconds, forKey: .seconds)
        }
    }
}
