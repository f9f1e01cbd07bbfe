import Foundation
import Planner
import RedisKit
import Scheduler

/// Everything a worker process needs to know, derived from config and its command line.
public struct WorkerSettings: Sendable {
    /// Unique worker id.
    public var id: String
    /// Host name it reports (and whose `m:<host>` route it serves).
    public var host: String
    /// Detected plus configured capabilities.
    public var capabilities: [String]
    /// Agents it can run, by name.
    public var agents: [String: AgentConfig]
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
    /// The worker's environment, minus its Redis connection: what tasks inherit.
    public var taskEnvironment: TaskEnvironment
    /// Which task specs it runs: signed by a trusted key, or (when signatures are not required)
    /// any.
    public var specTrust: SpecTrust
    /// File where the running task's process group is recorded (set by `up`, which kills that
    /// group if this worker dies); nil for none.
    public var taskGroupFile: String?
    /// Absolute directory of this host's repository mirrors and worktrees
    /// (`worker.workspace_root`, resolved against the worker's working directory).
    public var workspaceRoot: String
    /// Most worktrees kept on this host (`worker.max_workspaces`).
    public var maxWorkspaces: Int
    /// What a repository task that wrote outside its artifacts gets (`security.artifact_policy`).
    public var artifactPolicy: ArtifactPolicy

    /// Settings from config, for a worker with id `id` on `host`, connected through `redis`
    /// (default: `SWARM_REDIS_URL` of `environment`, else `redis.url` of the config).
    ///
    /// Trusted keys are `security.trusted_keys` plus the host key in `state_dir` when it exists
    /// (relative paths are resolved against `baseDirectory`).
    public init(config: SwarmConfig, id: String, host: String = Capabilities.hostName(), extraCapabilities: [String] = [],
                environment: [String: String] = ProcessInfo.processInfo.environment, redis: RedisURL? = nil,
                baseDirectory: String = FileManager.default.currentDirectoryPath) throws(WorkerSetupError) {
        self.id = id
        self.host = host
        let configured = config.worker.capabilities + (config.machines[host] ?? []) + extraCapabilities
        capabilities = Capabilities.detect(configured: configured).capabilities
        agents = config.agents
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
        let connection = redis ?? [environment["SWARM_REDIS_URL"], config.redis.url]
            .compactMap { $0 }.first { !$0.isEmpty }.flatMap { try? RedisURL(parsing: $0) }
        // The Redis password is a secret too, whatever the variable that holds it is called.
        let redisPassword = connection?.password.map { [$0] } ?? []
        do {
            redactor = try Redactor(security: config.security, environment: environment, extraSecrets: redisPassword)
        } catch {
            throw .badRedaction(error)
        }
        let root = w.workspaceRoot
        workspaceRoot = URL(fileURLWithPath: root.hasPrefix("/") ? root : baseDirectory + "/" + root).standardizedFileURL.path
        maxWorkspaces = w.maxWorkspaces
        artifactPolicy = config.security.artifactPolicy
        retryAcceptanceTypes = Set(config.taskTypes.filter { $0.value.retryOnAcceptanceFailure }.map(\.key))
        taskEnvironment = TaskEnvironment(worker: environment, redis: connection)
        do {
            specTrust = try SpecTrust(security: config.security, stateDirectory: config.orchestrator.stateDir,
                                      baseDirectory: baseDirectory, extraKeys: SpecTrust.keys(in: environment))
        } catch {
            throw .badTrustedKey(error)
        }
    }

    /// A fresh worker id: host, pid and a random suffix.
    public static func newID(host: String = Capabilities.hostName()) -> String {
        "\(host)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }
}

/// Why a worker's settings could not be built from config.
public enum WorkerSetupError: Error, Sendable, CustomStringConvertible {
    /// A `security.redact_patterns` entry is not a valid pattern.
    case badRedaction(RedactorError)
    /// A `security.trusted_keys` entry (or the host key) cannot be read.
    case badTrustedKey(SigningError)

    /// A message saying what to fix.
    public var description: String {
        switch self {
        case let .badRedaction(e): return "invalid security.redact_patterns: \(e)"
        case let .badTrustedKey(e): return "invalid security.trusted_keys: \(e)"
        }
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
