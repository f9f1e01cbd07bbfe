import Foundation

extension SwarmConfig {
    /// Environment variable overriding `redis.url`.
    public static let redisURLVariable = "SWARM_REDIS_URL"
    /// Environment variable overriding `redis.namespace`.
    public static let namespaceVariable = "SWARM_NAMESPACE"

    /// Loads the config file at `path`, then applies `SWARM_REDIS_URL` and `SWARM_NAMESPACE`.
    ///
    /// - Throws: ``ConfigError/unreadable(path:reason:)`` when the file cannot be read, or
    ///   ``ConfigError/invalid(source:problems:)`` listing every problem with key path and line.
    public static func load(path: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> SwarmConfig {
        let text: String
        switch TextFileReader.read(path, limit: PlanLimits.planBytes, what: "config") {
        case .success(let read): text = read
        case .failure(let problem): throw .unreadable(path: path, reason: problem.reason)
        }
        return try load(yaml: text, source: path, environment: environment)
    }

    /// Loads a config from YAML text, then applies `SWARM_REDIS_URL` and `SWARM_NAMESPACE`.
    ///
    /// - Parameter source: a name for the text used in messages (usually its file path).
    /// - Throws: ``ConfigError/invalid(source:problems:)`` listing every problem.
    public static func load(yaml: String, source: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> SwarmConfig {
        var reader: NodeReader
        var config = SwarmConfig()
        switch SourceDocument.parse(yaml) {
        case .failure(let error):
            throw .invalid(source: source, problems: [error.problem])
        case .success(let document):
            reader = NodeReader(document: document)
            if let root = document.root { config = SwarmConfig(node: root, reader: &reader) }
        }
        config.applyEnvironment(environment, reader: &reader)
        guard reader.problems.isEmpty else { throw .invalid(source: source, problems: reader.problems) }
        return config
    }

    static let keys = ["redis", "orchestrator", "worker", "task_types", "budgets", "rate_limits", "security",
                       "agents", "planner", "machines"]

    init(node: SourceNode, reader: inout NodeReader) {
        self.init()
        guard let fields = reader.mapping(node, path: "", allowed: Self.keys) else { return }
        // Security first: agent env checks use its secret markers.
        if let node = fields["security"] { security = SecurityConfig(node: node, path: "security", reader: &reader) }
        for entry in fields.entries {
            let key = entry.key, value = entry.value
            switch key {
            case "redis": redis = RedisConfig(node: value, path: key, reader: &reader)
            case "orchestrator": orchestrator = OrchestratorConfig(node: value, path: key, reader: &reader)
            case "worker": worker = WorkerConfig(node: value, path: key, reader: &reader)
            case "task_types":
                guard let types = reader.mapping(value, path: key, allowed: nil) else { continue }
                for type in types.entries {
                    let base = taskTypes[type.key] ?? TaskTypeConfig()
                    taskTypes[type.key] = TaskTypeConfig(node: type.value, path: "\(key).\(type.key)", base: base, reader: &reader)
                }
            case "budgets": budgets = BudgetsConfig(node: value, path: key, reader: &reader)
            case "rate_limits": rateLimits = RateLimitsConfig(node: value, path: key, reader: &reader)
            case "agents":
                guard let agentFields = reader.mapping(value, path: key, allowed: nil) else { continue }
                for agent in agentFields.entries {
                    agents[agent.key] = AgentConfig(node: agent.value, path: "\(key).\(agent.key)", base: agents[agent.key],
                                                    security: security, reader: &reader)
                }
            case "planner": planner = PlannerConfig(node: value, path: key, reader: &reader)
            case "machines":
                guard let hosts = reader.mapping(value, path: key, allowed: nil) else { continue }
                for host in hosts.entries {
                    machines[host.key] = reader.strings(host.value, path: "\(key).\(host.key)") ?? []
                }
            default: break
            }
        }
        if agents[planner.agent] == nil {
            let node = fields["planner"].flatMap { reader.document.value(of: $0, key: "agent") } ?? fields["planner"] ?? node
            reader.report("unknown agent '\(planner.agent)'\(didYouMean(planner.agent, agents.keys)); add it under agents or use one of: \(agents.keys.sorted().joined(separator: ", "))",
                          path: "planner.agent", at: node)
        }
        for (type, _) in rateLimits.types where taskTypes[type] == nil {
            let node = fields["rate_limits"].flatMap { reader.document.value(of: $0, key: "types") }
                .flatMap { reader.document.value(of: $0, key: type) }
            reader.report("rate limit for unknown task type '\(type)'\(didYouMean(type, taskTypes.keys)); add it under task_types or remove the limit",
                          path: "rate_limits.types.\(type)", at: node)
        }
    }

    mutating func applyEnvironment(_ environment: [String: String], reader: inout NodeReader) {
        if let url = environment[Self.redisURLVariable] {
            redis.url = url
            RedisConfig.checkURL(url, path: "\(Self.redisURLVariable) (environment)", node: nil, reader: &reader)
        }
        if let namespace = environment[Self.namespaceVariable] {
            redis.namespace = namespace
            RedisConfig.checkNamespace(namespace, path: "\(Self.namespaceVariable) (environment)", node: nil, reader: &reader)
        }
    }
}
