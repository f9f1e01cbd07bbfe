import Foundation
import Planner
import RedisKit

/// Everything a worker process needs to know, derived from config and its command line.
public struct WorkerSettings: Sendable {
    /// Unique worker id.
    public var id: String
    /// Host name it reports (and whose `m:<host>` route it serves).
    public var host: String
    /// Detected plus configured capabilities.
    public var capabilities: [String]
    /// Agents it can run, by name.
    public var agents: [String: AgentCommandTemplate]
    /// Seconds between heartbeats.
    public var heartbeatInterval: Double
    /// Exit after this many idle seconds (0 = never).
    public var idleTimeout: Double
    /// Stop claiming above this CPU use.
    public var maxCPUPercent: Double
    /// Stop claiming above this memory use.
    public var maxMemoryPercent: Double
    /// Weights of the composite load score.
    public var loadWeights: HostLoadWeights
    /// Seconds between SIGTERM and SIGKILL for a task past its timeout.
    public var killGrace: Double
    /// Output kept per task.
    public var maxOutputBytes: Int
    /// rlimits of task processes.
    public var limits: ProcessLimits
    /// The redactor every byte of output passes through.
    public var redactor: Redactor
    /// Task types whose acceptance-test failures are retried instead of sent to a person.
    public var retryAcceptanceTypes: Set<String>
    /// Longest single block on the queues, seconds (bounds how fast a stop is noticed).
    public var claimBlock: Double = 1
    /// Environment given to tasks.
    public var environment: [String: String]
    /// File where the running task's process group is recorded (set by `up`, which kills that
    /// group if this worker dies); nil for none.
    public var taskGroupFile: String?

    /// Settings from config, for a worker with id `id` on `host`.
    public init(config: SwarmConfig, id: String, host: String = Capabilities.hostName(), extraCapabilities: [String] = [],
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(RedactorError) {
        self.id = id
        self.host = host
        let configured = config.worker.capabilities + (config.machines[host] ?? []) + extraCapabilities
        capabilities = Capabilities.detect(configured: configured).capabilities
        agents = config.agents.mapValues {
            AgentCommandTemplate(argv: $0.command, usageJSONField: $0.usageJSONField, usagePattern: $0.usagePattern, env: $0.env)
        }
        let w = config.worker
        heartbeatInterval = w.heartbeatInterval
        idleTimeout = w.idleTimeout
        maxCPUPercent = w.maxCPUPercent
        maxMemoryPercent = w.maxMemoryPercent
        loadWeights = HostLoadWeights(cpu: w.loadWeights.cpu, memory: w.loadWeights.memory, load: w.loadWeights.load)
        killGrace = w.killGrace
        maxOutputBytes = w.maxOutputBytes
        limits = ProcessLimits(memoryBytes: w.rlimitMemoryMB > 0 ? UInt64(w.rlimitMemoryMB) << 20 : nil,
                               cpuSeconds: w.rlimitCPUSeconds > 0 ? UInt64(w.rlimitCPUSeconds) : nil)
        // The Redis password (from SWARM_REDIS_URL) is a secret too, whatever the variable's name.
        let redisPassword = environment["SWARM_REDIS_URL"].flatMap { try? RedisURL(parsing: $0).password }
        redactor = try Redactor(security: config.security, environment: environment, extraSecrets: redisPassword.map { [$0] } ?? [])
        retryAcceptanceTypes = Set(config.taskTypes.filter { $0.value.retryOnAcceptanceFailure }.map(\.key))
        self.environment = environment
    }

    /// A fresh worker id: host, pid and a random suffix.
    public static func newID(host: String = Capabilities.hostName()) -> String {
        "\(host)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }
}

extension Redactor {
    /// A redactor from the `security` config: single-line patterns, multi-line blocks (a pattern
    /// of the form `BEGIN[\s\S]*?END` becomes a block), and the values of secret environment
    /// variables.
    public init(security: SecurityConfig, environment: [String: String], extraSecrets: [String] = []) throws(RedactorError) {
        var lines: [String] = []
        var blocks: [RedactionBlock] = []
        for p in security.redactPatterns {
            if let r = p.range(of: #"[\s\S]*?"#) {
                blocks.append(RedactionBlock(begin: String(p[..<r.lowerBound]), end: String(p[r.upperBound...])))
            } else {
                lines.append(p)
            }
        }
        try self.init(patterns: lines, blocks: blocks,
                      secretValues: Redactor.secretValues(from: environment, markers: security.secretEnvMarkers) + extraSecrets)
    }
}
