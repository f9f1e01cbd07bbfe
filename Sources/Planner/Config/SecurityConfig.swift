import Foundation

/// Secret redaction and task-spec signing (`security:` in config.yaml).
public struct SecurityConfig: Sendable, Equatable {
    /// Regular expressions (ICU syntax) whose matches are replaced by `[REDACTED]` in everything
    /// that leaves a task: output, logs, Redis, the ledger.
    public var redactPatterns: [String] = SecurityConfig.defaultRedactPatterns
    /// An environment variable whose name contains one of these (case-insensitive) is a secret:
    /// its value is redacted wherever it appears.
    public var secretEnvMarkers: [String] = ["KEY", "TOKEN", "SECRET", "PASSWORD"]
    /// Path of the private Ed25519 key `submit` signs task specs with (a file, never the key
    /// itself). Overridden by `SWARM_SIGNING_KEY_FILE`; empty = the host key in `state_dir`.
    public var signingKeyFile: String = ""
    /// Public keys whose signatures workers accept: each the base64 text of a key or the path of
    /// a `.pub` file. The host key in `state_dir` is trusted as well when it exists.
    public var trustedKeys: [String] = []
    /// Workers run signed specs only. `false` runs every spec unverified (anyone who can write
    /// to the namespace can then run code on every worker), and workers say so loudly.
    public var requireSignatures: Bool = true
    /// What a worker does when a repository task changed a path outside its declared artifacts.
    public var artifactPolicy: ArtifactPolicy = .enforce

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

    /// Whether `text` is a base64 key (what a key file holds) rather than a path.
    static func looksLikeInlineKey(_ text: String) -> Bool {
        let compact = text.filter { !$0.isWhitespace }
        guard !compact.contains("/"), compact.count >= 40, let data = Data(base64Encoded: compact) else { return false }
        return data.count == 32 || data.count == 64
    }

    /// Whether an environment variable of this name holds a secret.
    public func isSecretEnvName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return secretEnvMarkers.contains { upper.contains($0.uppercased()) }
    }
}

extension SecurityConfig {
    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        let allowed = ["redact_patterns", "secret_env_markers", "signing_key_file", "trusted_keys", "require_signatures",
                       "artifact_policy"]
        guard let fields = reader.mapping(node, path: path, allowed: allowed) else { return }
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
            case "signing_key_file":
                signingKeyFile = reader.string(entry.value, path: key) ?? signingKeyFile
                if Self.looksLikeInlineKey(signingKeyFile) {
                    reader.report("this looks like a key written into the file; keep the private key in a file of its own "
                                  + "(mode 0600) and give its path here, or set SWARM_SIGNING_KEY_FILE",
                                  path: key, at: entry.value)
                }
            case "trusted_keys":
                trustedKeys = reader.strings(entry.value, path: key) ?? trustedKeys
            case "require_signatures":
                requireSignatures = reader.bool(entry.value, path: key) ?? requireSignatures
            case "artifact_policy":
                guard let text = reader.string(entry.value, path: key) else { continue }
                if let policy = ArtifactPolicy(rawValue: text) {
                    artifactPolicy = policy
                } else {
                    reader.report("'\(terminalSafe(text))' is not a policy; use enforce, warn or off", path: key, at: entry.value)
                }
            default: break
            }
        }
    }
}
