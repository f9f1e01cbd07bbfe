/// The Redis key layout of one namespace. Every key shares the hash tag `{NS}`, so every
/// multi-key function call stays in one slot (one Redis, or one shard of a Redis Cluster).
///
/// The Lua side derives the same names from the prefix (see `LuaHelpers`); keep the two in step.
/// Keys only the Lua touches (`route_workers:<route>`, `lock_owners`, `feature_tasks:<f>`,
/// `route_epoch`) have no accessor here; docs/ARCHITECTURE.md lists every key.
public struct Keys: Sendable, Equatable {
    /// The namespace name.
    public let namespace: String
    /// `swarm:{NS}:` — every key starts with it.
    public let prefix: String

    /// Keys of namespace `namespace`.
    public init(namespace: String) {
        self.namespace = namespace
        self.prefix = "swarm:{\(namespace)}:"
    }

    /// Events stream; also the anchor key passed as `KEYS[1]` to every function.
    public var events: String { prefix + "events" }
    /// Task hash of a global task id (`feature/task`).
    public func task(_ gid: String) -> String { prefix + "task:" + gid }
    /// Unmet dependency count.
    public func deps(_ gid: String) -> String { prefix + "deps:" + gid }
    /// Reverse edges.
    public func dependents(_ gid: String) -> String { prefix + "dependents:" + gid }
    /// Ready candidates of one route, scored by enqueue time − priority × aging.
    public func ready(_ route: String) -> String { prefix + "ready:" + route }
    /// Dispatched tasks of one route.
    public func queue(_ route: String) -> String { prefix + "q:" + route }
    /// Every route that tasks were submitted to.
    public var routes: String { prefix + "routes" }
    /// Task → lease deadline (ms).
    public var leases: String { prefix + "leases" }
    /// Retries waiting out their backoff (score = due time, ms).
    public var delayed: String { prefix + "delayed" }
    /// Held artifact paths (score 0, for range queries).
    public var locks: String { prefix + "locks" }
    /// Feature token budget: limit, reserved, used.
    public func budget(_ feature: String) -> String { prefix + "budget:" + feature }
    /// Feature record.
    public func feature(_ feature: String) -> String { prefix + "feature:" + feature }
    /// All feature ids.
    public var features: String { prefix + "features" }
    /// Idempotency key → feature id.
    public func idempotency(_ key: String) -> String { prefix + "idem:" + key }
    /// GCRA theoretical arrival time of a task type (ms).
    public func rate(_ type: String) -> String { prefix + "rate:" + type }
    /// Dispatched + running tasks of a type.
    public func running(_ type: String) -> String { prefix + "running:" + type }
    /// Workers by last heartbeat (ms).
    public var workers: String { prefix + "workers" }
    /// Worker record.
    public func worker(_ id: String) -> String { prefix + "worker:" + id }
    /// Dead letters (newest first).
    public var dead: String { prefix + "dead" }
    /// Tasks waiting for a person (score = time, ms).
    public var human: String { prefix + "human" }
    /// Desired worker count, draining flag.
    public var control: String { prefix + "control" }
    /// Scheduler settings the functions read (queue depth, leases, type limits...).
    public var config: String { prefix + "config" }
    /// Bumped on every `configure`, so functions know when to re-read `config`.
    public var configVersion: String { prefix + "config_version" }
    /// Task counts by state.
    public var stats: String { prefix + "stats" }
    /// Wake-up list of the scheduler loop.
    public var wake: String { prefix + "wake" }
}
