/// Everything that can go wrong talking to Redis. Each message says what to do next.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL could not be parsed; `part` is the part that is wrong (scheme, host, port, path, database).
    case invalidURL(url: String, part: String, reason: String)
    /// No connection could be made (refused, unreachable, socket missing, connect timeout).
    case connectionFailed(address: String, reason: String)
    /// The link broke during a command (server restarted, network dropped); the next call reconnects.
    case connectionLost(address: String, reason: String)
    /// The server did not answer within the command timeout; the next call reconnects.
    case timeout(address: String, seconds: Double)
    /// `AUTH` was refused (wrong user or password, or the user is disabled).
    case authenticationFailed(address: String, message: String)
    /// The server answered with an error reply; `message` is Redis's own text (`WRONGTYPE ...`, `NOPERM ...`).
    case server(message: String)
    /// The reply did not have the shape the caller expected.
    case unexpectedReply(expected: String, got: String)
    /// The server spoke something that is not RESP, or hiredis failed internally.
    case protocolError(address: String, reason: String)

    /// The first word of a server error (`ERR`, `WRONGTYPE`, `NOPERM`, `NOSCRIPT`...), nil for other errors.
    public var serverCode: String? {
        guard case let .server(message) = self else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    /// True for errors after which a retry on a fresh connection may succeed.
    public var isConnectionError: Bool {
        switch self {
        case .connectionFailed, .connectionLost, .timeout: return true
        default: return false
        }
    }

    /// A message for people: what happened and what to try.
    public var description: String {
        switch self {
        case let .invalidURL(url, part, reason):
            return "invalid Redis URL '\(url)': bad \(part): \(reason)"
        case let .connectionFailed(address, reason):
            return "cannot connect to Redis at \(address): \(reason). Is redis-server running there? Set SWARM_REDIS_URL or redis.url in config.yaml."
        case let .connectionLost(address, reason):
            return "lost the connection to Redis at \(address): \(reason); the next command reconnects."
        case let .timeout(address, seconds):
            return "Redis at \(address) did not answer within \(seconds) s; raise redis.command_timeout or check the server's load."
        case let .authenticationFailed(address, message):
            return "Redis at \(address) refused the credentials: \(message). Check the user and password in SWARM_REDIS_URL."
        case let .server(message):
            return "Redis error: \(message)"
        case let .unexpectedReply(expected, got):
            return "unexpected Redis reply: expected \(expected), got \(got)"
        case let .protocolError(address, reason):
            return "protocol error talking to \(address): \(reason)"
        }
    }
}
