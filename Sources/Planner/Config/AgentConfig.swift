import Foundation

/// How to run one coding agent CLI (`agents.<name>:` in config.yaml).
public struct AgentConfig: Sendable, Equatable {
    /// The placeholder replaced by the prompt, as one argv element.
    public static let promptPlaceholder = "{prompt}"

    /// Argv template; `{prompt}` is replaced by the prompt as ONE argument (never via a shell).
    /// The first element is looked up on `PATH` unless it contains a `/`.
    public var command: [String]
    /// Dotted path of the token count in the agent's JSON output, such as `usage.total_tokens`.
    public var usageJSONField: String?
    /// Regular expression with one capture group matching the token count in plain output.
    public var usagePattern: String?
    /// Extra environment of the agent. Values may reference the orchestrator's environment as
    /// `${NAME}`; secrets must be referenced that way, never written into the file.
    public var env: [String: String]

    /// An agent run as `command`.
    public init(command: [String], usageJSONField: String? = "usage.total_tokens", usagePattern: String? = nil,
                env: [String: String] = [:]) {
        self.command = command
        self.usageJSONField = usageJSONField
        self.usagePattern = usagePattern
        self.env = env
    }

    /// `base` plus this agent's `env` expanded from `base` (see ``expandedEnvironment(from:)``).
    public func environment(base: [String: String]) -> [String: String] {
        base.merging(expandedEnvironment(from: base)) { _, agent in agent }
    }

    /// This agent's `env` with its references to `source` expanded: every `${NAME}` inside a value
    /// becomes `source[NAME]` (empty when unset), and a whole value `$NAME` becomes `source[NAME]`.
    /// A value that is nothing but a reference to an unset variable leaves the variable out, so
    /// the agent sees it unset rather than empty. Expansion happens where the agent runs (on the
    /// worker), so secrets stay out of config files and out of Redis.
    public func expandedEnvironment(from source: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in env {
            if value.isEnvReference {
                let reference = value.hasPrefix("${") ? String(value.dropFirst(2).dropLast()) : String(value.dropFirst())
                if let resolved = source[reference] { result[name] = resolved }
            } else {
                result[name] = Self.expandBraced(value, from: source)
            }
        }
        return result
    }

    /// `value` with every `${NAME}` replaced by `source[NAME]` (empty when unset).
    static func expandBraced(_ value: String, from source: [String: String]) -> String {
        var out = ""
        var rest = Substring(value)
        while let open = rest.range(of: "${") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            out += rest[..<open.lowerBound]
            out += source[String(rest[open.upperBound..<close])] ?? ""
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// `command` with every `{prompt}` replaced by `prompt`; each element stays one argument.
    public func arguments(prompt: String) -> [String] {
        command.map { $0 == Self.promptPlaceholder ? prompt : $0.replacingOccurrences(of: Self.promptPlaceholder, with: prompt) }
    }
}

extension AgentConfig {
    static let keys = ["command", "usage_json_field", "usage_pattern", "env"]

    init(node: SourceNode, path: String, base: AgentConfig?, security: SecurityConfig, reader: inout NodeReader) {
        self = base ?? AgentConfig(command: [])
        guard let fields = reader.mapping(node, path: path, allowed: Self.keys) else { return }
        for entry in fields.entries {
            let key = "\(path).\(entry.key)", value = entry.value
            switch entry.key {
            case "command": command = reader.strings(value, path: key) ?? command
            case "usage_json_field": usageJSONField = reader.string(value, path: key)
            case "usage_pattern":
                usagePattern = reader.string(value, path: key)
                if let pattern = usagePattern {
                    let regex = try? NSRegularExpression(pattern: pattern)
                    if regex?.numberOfCaptureGroups != 1 {
                        reader.report("'\(pattern)' must be a valid regular expression with exactly one capture group",
                                      path: key, at: value)
                    }
                }
            case "env":
                env = reader.stringMap(value, path: key) ?? env
                for (name, setting) in env.sorted(by: { $0.key < $1.key })
                where security.isSecretEnvName(name) && !setting.isEnvReference {
                    reader.report("looks like a secret written into the file; write \"${\(name)}\" and set \(name) in the environment",
                                  path: "\(key).\(name)", at: reader.document.value(of: value, key: name) ?? value)
                }
            default: break
            }
        }
        if command.isEmpty {
            reader.report("an agent needs a command, such as [\"my-agent\", \"-p\", \"{prompt}\"]",
                          path: "\(path).command", at: fields["command"] ?? node)
        }
    }
}

extension String {
    /// Whether this is exactly `${NAME}` or `$NAME`.
    var isEnvReference: Bool {
        if hasPrefix("${") && hasSuffix("}") && count > 3 { return true }
        return hasPrefix("$") && count > 1 && dropFirst().allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
}
