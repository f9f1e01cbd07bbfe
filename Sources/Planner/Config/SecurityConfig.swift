import Foundation

/// Secret redaction (`security:` in config.yaml).
public struct SecurityConfig: Sendable, Equatable {
    /// Regular expressions (ICU syntax) whose matches are replaced by `[REDACTED]` in everything
    /// that leaves a task: output, logs, Redis, the ledger.
    public var redactPatterns: [String] = SecurityConfig.defaultRedactPatterns
    /// An environment variable whose name contains one of these (case-insensitive) is a secret:
    /// its value is redacted wherever it appears.
    public var secretEnvMarkers: [String] = ["KEY", "TOKEN", "SECRET", "PASSWORD"]

    /// The defaults.
    public init() {}

    /// OpenAI/Anthropic `sk-...` keys, `Bearer` tokens, AWS access key ids, GitHub tokens and
    /// PEM private key blocks.
    public static let defaultRedactPatterns: [String] = [
        #"sk-[A-Za-z0-9_-]{16,}"#,
        #"Bearer\s+[A-Za-z0-9._~+/=-]{8,}"#,
        #"AKIA[0-9A-Z]{16}"#,
        #"gh[pousr]_[A-Za-z0-9]{30,}"#,
        #"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"#,
    ]

    /// Whether an environment variable of this name holds a secret.
    public func isSecretEnvName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return secretEnvMarkers.contains { upper.contains($0.uppercased()) }
    }
}

extension SecurityConfig {
    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        guard let fields = reader.mapping(node, path: path, allowed: ["redact_patterns", "secret_env_markers"]) else { return }
        for entry in fields.entries {
            let key = "\(path).\(entry.key)"
            switch entry.key {
            case "redact_patterns":
                guard let patterns = reader.strings(entry.value, path: key) else { continue }
                redactPatterns = patterns
                for (index, pattern) in patterns.enumerated() where (try? NSRegularExpression(pattern: pattern)) == nil {
                    let element = reader.document.element(of: entry.value, at: index) ?? entry.value
                    reader.report("'\(pattern)' is not a valid regular expression; fix or remove it",
                                  path: "\(key)[\(index)]", at: element)
                }
            case "secret_env_markers":
                secretEnvMarkers = reader.strings(entry.value, path: key) ?? secretEnvMarkers
            default: break
            }
        }
    }
}
