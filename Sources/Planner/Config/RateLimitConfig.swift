
/// A token-bucket rate limit (GCRA): `perSecond` tasks per second with bursts of `burst`.
public struct RateLimit: Sendable, Equatable {
    /// Tasks started per second; 0 = unlimited.
    public var perSecond: Double = 0
    /// Tasks that may start at once after a quiet period (at least 1).
    public var burst: Int = 1

    /// Unlimited.
    public init() {}

    /// A limit of `perSecond` with bursts of `burst`.
    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }
}

/// Rate limits of task starts (`rate_limits:` in config.yaml).
public struct RateLimitsConfig: Sendable, Equatable {
    /// Limit of a type not listed in `types`.
    public var `default` = RateLimit()
    /// Limits per task type.
    public var types: [String: RateLimit] = [:]

    /// No limits.
    public init() {}

    /// The limit that applies to tasks of `type`.
    public func limit(for type: String) -> RateLimit { types[type] ?? self.default }
}

extension RateLimit {
    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        guard let fields = reader.mapping(node, path: path, allowed: ["per_second", "burst"]) else { return }
        for entry in fields.entries {
            let key = "\(path).\(entry.key)"
            switch entry.key {
            case "per_second": perSecond = reader.double(entry.value, path: key, in: 0...Double.greatestFiniteMagnitude) ?? perSecond
            case "burst": burst = reader.int(entry.value, path: key, in: 1...Int.max) ?? burst
            default: break
            }
        }
    }
}

extension RateLimitsConfig {
    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        guard let fields = reader.mapping(node, path: path, allowed: ["default", "types"]) else { return }
        for entry in fields.entries {
            let key = "\(path).\(entry.key)"
            switch entry.key {
            case "default": self.default = RateLimit(node: entry.value, path: key, reader: &reader)
            case "types":
                guard let types = reader.mapping(entry.value, path: key, allowed: nil) else { continue }
                for type in types.entries {
                    self.types[type.key] = RateLimit(node: type.value, path: "\(key).\(type.key)", reader: &reader)
                }
            default: break
            }
        }
    }
}
