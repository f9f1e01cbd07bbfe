import Foundation

/// How to reach Redis (`redis:` in config.yaml).
public struct RedisConfig: Sendable, Equatable {
    /// `redis://host:port/db` or `unix:///path` (hiredis 0.14 has no TLS); empty = the orchestrator starts
    /// an embedded `redis-server`. Overridden by `SWARM_REDIS_URL`; a password belongs there, not
    /// in the file.
    public var url: String = ""
    /// Namespace of every key (`swarm:{namespace}:...`). Overridden by `SWARM_NAMESPACE`.
    public var namespace: String = "default"
    /// Seconds to wait for a connection.
    public var connectTimeout: Double = 2.0
    /// Seconds to wait for one command's reply.
    public var commandTimeout: Double = 5.0
    /// How often the embedded redis-server syncs its append-only file to disk (`appendfsync`).
    /// Only the embedded server: an external Redis keeps its own setting.
    public var durability: Durability = .everysec

    /// `appendfsync` policies offered for the embedded redis-server.
    public enum Durability: String, Sendable, Equatable, CaseIterable {
        /// fsync before every reply: an acknowledged change survives even a power loss; slower writes.
        case always
        /// fsync once a second: a killed redis-server loses nothing acknowledged (the kernel still
        /// holds the writes); a power loss or kernel crash can lose about the last second.
        case everysec
    }

    /// The defaults.
    public init() {}
}

extension RedisConfig {
    static var settings: [ConfigSetting<Self>] {
        [.string("url", \.url), .string("namespace", \.namespace), .positive("connect_timeout", \.connectTimeout),
         .positive("command_timeout", \.commandTimeout),
         .custom("durability") { config, reader, node, path in
             guard let text = reader.string(node, path: path) else { return }
             if let d = Durability(rawValue: text) { config.durability = d } else {
                 reader.report("'\(text)' is not a durability; use always (fsync every write) or everysec (fsync once a second)",
                               path: path, at: node)
             }
         }]
    }

    /// Every key of the section.
    static var keys: [String] { settings.map(\.key) }

    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        guard let fields = reader.read(node, path: path, into: &self, Self.settings) else { return }
        if let node = fields["url"] { Self.checkURL(url, path: "\(path).url", node: node, reader: &reader) }
        if let node = fields["namespace"] { Self.checkNamespace(namespace, path: "\(path).namespace", node: node, reader: &reader) }
    }

    /// Reports a URL with an unknown scheme or an inline password.
    static func checkURL(_ url: String, path: String, node: SourceNode?, reader: inout NodeReader) {
        guard !url.isEmpty else { return }
        guard url.hasPrefix("redis://") || url.hasPrefix("unix://") else {
            // The text itself is not quoted: it may hold a password.
            let scheme = url.range(of: "://").map { "scheme '\(url[..<$0.lowerBound])'" } ?? "no scheme"
            reader.report("this is not a Redis URL (\(scheme)); use redis://host:port/db or unix:///path/to/socket (TLS is not supported by hiredis 0.14)",
                          path: path, at: node)
            return
        }
        if node != nil, Self.holdsCredentials(url) {
            reader.report("the URL contains a password; remove it from the file and set SWARM_REDIS_URL in the environment instead",
                          path: path, at: node)
        }
    }

    /// Whether a Redis URL carries a credential in any form Swarm accepts: `user:pass@`,
    /// `:pass@`, a bare `secret@` (read as the password), or a `password=` query parameter.
    public static func holdsCredentials(_ url: String) -> Bool {
        guard let schemeEnd = url.range(of: "://") else { return false }
        var rest = url[schemeEnd.upperBound...]
        if let q = rest.firstIndex(of: "?") {
            let query = rest[rest.index(after: q)...]
            for pair in query.split(separator: "&") {
                let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                if (name.removingPercentEncoding ?? name).lowercased() == "password" { return true }
            }
            rest = rest[..<q]
        }
        return rest.contains("@")
    }

    /// Reports a namespace that cannot be used inside a Redis hash tag.
    static func checkNamespace(_ namespace: String, path: String, node: SourceNode?, reader: inout NodeReader) {
        if let problem = Namespace.problem(namespace) { reader.report(problem, path: path, at: node) }
    }
}
