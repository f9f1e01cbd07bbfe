import RedisKit

/// The environment a task's processes start with: the worker's own, minus everything that would
/// let a task reach Redis (tasks are untrusted code; Redis access is command of the fleet),
/// plus the task's identity.
///
/// Removed: every `SWARM_*` variable (the connection URL, namespace, signing key path, and any
/// future setting), the variables Redis clients read by themselves (`REDISCLI_AUTH`,
/// `REDIS_URL`, ...), and any variable whose value holds the Redis password, URL or socket path,
/// whatever its name. The task's identity (`SWARM_TASK_ID`, `SWARM_FEATURE`, `SWARM_ATTEMPT`,
/// `SWARM_WORKER`) is added back by ``forTask(identity:)``.
public struct TaskEnvironment: Sendable, Equatable {
    /// The worker's variables a task may see.
    public let inherited: [String: String]

    /// Variables Redis clients and libraries read on their own.
    static let redisClientVariables: Set<String> = ["REDISCLI_AUTH", "REDIS_URL", "REDIS_PASSWORD", "REDISCLI_CLUSTER_YES"]

    /// Filters `worker`, the worker's environment, for a worker connected through `redis`.
    public init(worker: [String: String], redis: RedisURL?) {
        var needles: [String] = []
        if let redis {
            if let password = redis.password, password.count >= 4 { needles.append(password) }
            if case let .unix(path) = redis.endpoint { needles.append(path) }
        }
        inherited = worker.filter { name, value in
            let upper = name.uppercased()
            if upper.hasPrefix("SWARM_") || Self.redisClientVariables.contains(upper) { return false }
            if upper.contains("REDIS"), value.contains("://") || value.hasPrefix("/") { return false }
            return !needles.contains { value.contains($0) }
        }
    }

    /// The environment of one task: the inherited variables plus `identity` (names and values
    /// the worker sets: `SWARM_TASK_ID`, `SWARM_FEATURE`, ...).
    public func forTask(identity: [String: String]) -> [String: String] {
        inherited.merging(identity) { _, own in own }
    }
}
