
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
        reader.read(node, path: path, into: &self, [.number("per_second", \.perSecond), .int("burst", \.burst, in: 1...Int.max)])
    }
}

extension RateLimitsConfig {
    init(node: SourceNode, path: String, reader: inout NodeReader) {
        self.init()
        reader.read(node, path: path, into: &self, [
            .custom("default") { limits, reader, node, path in limits.default = RateLimit(node: node, path: path, reader: &reader) },
            .custom("types") { limits, reader, node, path in
                guard let types = reader.mapping(node, path: path, allowed: nil) else { return }
                for type in types.entries {
                    limits.types[type.key] = RateLimit(node: type.value, path: "\(path).\(type.key)", reader: &reader)
                }
            },
        ])
    }
}
