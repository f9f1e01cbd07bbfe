import Foundation

/// Where and how to reach a Redis server, parsed from a URL.
///
/// Accepted forms:
/// - `redis://[user:password@]host[:port][/db]` (port defaults to 6379, db to 0)
/// - `unix:///path/to/redis.sock[?db=N]` (credentials as `unix://user:password@/path` or via `?password=`)
///
/// Credentials are never printed: `description` masks the password.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    /// The transport endpoint.
    public enum Endpoint: Sendable, Equatable {
        /// A TCP host and port.
        case tcp(host: String, port: Int)
        /// A unix domain socket path.
        case unix(path: String)
    }

    /// The transport endpoint.
    public var endpoint: Endpoint
    /// ACL user name for `AUTH user password`; nil means the `default` user.
    public var username: String?
    /// Password for `AUTH`; nil means no authentication.
    public var password: String?
    /// Database index selected after connecting.
    public var database: Int

    /// Creates a URL value from its parts.
    public init(endpoint: Endpoint, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a `redis://` or `unix://` URL; the error names the part that is wrong.
    public init(parsing text: String) throws(RedisError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw .invalidURL(url: RedisURL.mask(trimmed), part: "scheme",
                              reason: "expected redis://host:port/db or unix:///path/to/socket")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        var rest = String(trimmed[schemeEnd.upperBound...])
        var query: [String: String] = [:]
        if let q = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                query[kv[0]] = kv.count > 1 ? kv[1].removingPercentEncoding ?? kv[1] : ""
            }
            rest = String(rest[..<q])
        }
        var user: String?
        var pass: String?
        if let at = rest.lastIndex(of: "@") {
            let cred = String(rest[..<at])
            rest = String(rest[rest.index(after: at)...])
            if let colon = cred.firstIndex(of: ":") {
                let u = String(cred[..<colon])
                user = u.isEmpty ? nil : (u.removingPercentEncoding ?? u)
                let p = String(cred[cred.index(after: colon)...])
                pass = p.removingPercentEncoding ?? p
            } else if !cred.isEmpty {
                pass = cred.removingPercentEncoding ?? cred
            }
        }
        if let p = query["password"] { pass = p }
        if let u = query["user"] { user = u }
        switch scheme {
        case "redis":
            var hostPort = rest
            var db = 0
            if let slash = rest.firstIndex(of: "/") {
                hostPort = String(rest[..<slash])
                let dbText = String(rest[rest.index(after: slash)...])
                if !dbText.isEmpty {
                    guard let n = Int(dbText), n >= 0 else {
                        throw .invalidURL(url: RedisURL.mask(trimmed), part: "database",
                                          reason: "'\(dbText)' is not a database number (0, 1, ...)")
                    }
                    db = n
                }
            }
            if let d = query["db"] {
                guard let n = Int(d), n >= 0 else {
                    throw .invalidURL(url: RedisURL.mask(trimmed), part: "database", reason: "'\(d)' is not a database number")
                }
                db = n
            }
            var host = hostPort
            var port = 6379
            if hostPort.hasPrefix("[") , let close = hostPort.firstIndex(of: "]") {
                host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
                let after = hostPort[hostPort.index(after: close)...]
                if after.hasPrefix(":") { port = try RedisURL.port(String(after.dropFirst()), in: trimmed) }
            } else if let colon = hostPort.lastIndex(of: ":") {
                host = String(hostPort[..<colon])
                port = try RedisURL.port(String(hostPort[hostPort.index(after: colon)...]), in: trimmed)
            }
            guard !host.isEmpty else {
                throw .invalidURL(url: RedisURL.mask(trimmed), part: "host", reason: "the host is empty; write e.g. redis://127.0.0.1:6379")
            }
            self.init(endpoint: .tcp(host: host, port: port), username: user, password: pass, database: db)
        case "unix":
            guard !rest.isEmpty, rest != "/" else {
                throw .invalidURL(url: RedisURL.mask(trimmed), part: "path", reason: "the socket path is empty; write e.g. unix:///tmp/redis.sock")
            }
            var db = 0
            if let d = query["db"] {
                guard let n = Int(d), n >= 0 else {
                    throw .invalidURL(url: RedisURL.mask(trimmed), part: "database", reason: "'\(d)' is not a database number")
                }
                db = n
            }
            self.init(endpoint: .unix(path: rest), username: user, password: pass, database: db)
        default:
            throw .invalidURL(url: RedisURL.mask(trimmed), part: "scheme",
                              reason: "unknown scheme '\(scheme)'; use redis:// or unix:// (TLS rediss:// is not supported by hiredis 0.14)")
        }
    }

    private static func port(_ text: String, in url: String) throws(RedisError) -> Int {
        guard let p = Int(text), (1...65535).contains(p) else {
            throw .invalidURL(url: mask(url), part: "port", reason: "'\(text)' is not a port number between 1 and 65535")
        }
        return p
    }

    /// Replaces every credential in a URL text with `***`: the password of `user:pass@`, a bare
    /// `secret@` (read as a password), and the value of a `password=` query parameter.
    /// Works on text that does not parse, since it is what error messages quote.
    public static func mask(_ url: String) -> String {
        var text = url
        if let q = text.firstIndex(of: "?") {
            let pairs = text[text.index(after: q)...].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(kv[0])
                return (name.removingPercentEncoding ?? name).lowercased() == "password" ? name + "=***" : String(pair)
            }
            text = String(text[..<q]) + "?" + pairs.joined(separator: "&")
        }
        let authority = text.range(of: "://")?.upperBound ?? text.startIndex
        let end = text[authority...].firstIndex(of: "?") ?? text.endIndex
        guard let at = text[authority..<end].lastIndex(of: "@") else { return text }
        let cred = text[authority..<at]
        let masked = cred.firstIndex(of: ":").map { String(cred[..<$0]) + ":***" } ?? "***"
        return String(text[..<authority]) + masked + String(text[at...])
    }

    /// The address in a form fit for error messages (no credentials).
    public var address: String {
        switch endpoint {
        case let .tcp(host, port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case let .unix(path): return "unix:\(path)"
        }
    }

    /// The URL with its password masked.
    public var description: String {
        let cred: String
        switch (username, password) {
        case (nil, nil): cred = ""
        case let (u?, nil): cred = "\(u)@"
        case let (u, _?): cred = "\(u ?? ""):***@"
        }
        switch endpoint {
        case let .tcp(host, port): return "redis://\(cred)\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        case let .unix(path): return "unix://\(cred)\(path)" + (database == 0 ? "" : "?db=\(database)")
        }
    }
}
