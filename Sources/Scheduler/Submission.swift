import Foundation
import Planner
import RedisKit

extension SchedulerSettings {
    /// Settings from the config file's `orchestrator`, `task_types` and `rate_limits` sections.
    public init(config: SwarmConfig) {
        self.init()
        let o = config.orchestrator
        queueDepth = o.queueDepth
        dispatchLease = o.dispatchLease
        runLease = o.runLease
        priorityAging = o.priorityAging
        deadlineLead = o.deadlineLead
        eventsMaxlen = o.eventsMaxlen
        retryBase = o.retryBase
        retryMax = o.retryMax
        retryJitter = o.retryJitter
        dispatchBatch = o.dispatchBatch
        workerTTL = max(3 * config.worker.heartbeatInterval, o.runLease)
        defaultRate = TypeLimits(maxConcurrent: 0, ratePerSecond: config.rateLimits.default.perSecond,
                                 burst: config.rateLimits.default.burst)
        for name in Set(config.taskTypes.keys).union(config.rateLimits.types.keys) {
            let rate = config.rateLimits.limit(for: name)
            types[name] = TypeLimits(maxConcurrent: config.taskTypes[name]?.maxConcurrent ?? 0,
                                     ratePerSecond: rate.perSecond, burst: rate.burst)
        }
    }
}

extension TaskRecord {
    /// The scheduler's record of a planned task. A relative `cwd` is resolved against the
    /// feature's repository (or `baseDirectory`), so workers on this host find it.
    ///
    /// With `repository` (a feature whose repository was prepared at submit) the task is a
    /// repository task instead: its signed spec carries the repository URL, the integration
    /// branch, the base commit and the integration tests, and its `cwd` stays repo-relative (the
    /// worker resolves it inside the attempt's worktree).
    public init(spec: TaskSpec, repo: String?, baseDirectory: String = FileManager.default.currentDirectoryPath,
                repository: FeatureRepository? = nil) {
        var s = spec
        if let repository {
            s.repository = repository.url
            s.integrationBranch = repository.integrationBranch
            s.baseCommit = repository.baseCommit
            s.integrationTests = repository.integrationTests
            s.cwd = spec.cwd.map(normalizedArtifactPath).flatMap { $0.isEmpty || $0 == "." ? nil : $0 }
        } else {
            let root = repo.map { $0.hasPrefix("/") ? $0 : baseDirectory + "/" + $0 } ?? baseDirectory
            if let cwd = s.cwd, !cwd.isEmpty {
                if !cwd.hasPrefix("/") { s.cwd = root + "/" + cwd }
            } else {
                s.cwd = root
            }
            s.cwd = s.cwd.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        }
        s.artifacts = spec.artifacts.map(normalizedArtifactPath)
        s.inputs = spec.inputs.map(normalizedArtifactPath)
        // Never trap on a date no plan can hold: -1 fails `problem` (PlanLimits.deadline).
        let deadline = spec.deadline.map { date -> Int in
            let ms = (date.timeIntervalSince1970 * 1000).rounded()
            return ms.isFinite && abs(ms) < 1e18 ? Int(ms) : -1
        }
        self.init(gid: spec.globalID, type: spec.type, route: TaskRecord.route(machine: spec.machine, requires: spec.requires),
                  priority: spec.priority, budget: spec.budget, retries: spec.retries,
                  dependsOn: Array(Set(spec.dependsOn)).sorted().map { "\(spec.feature)/\($0)" }, artifacts: s.artifacts,
                  specJSON: String(decoding: s.encodedJSON(), as: UTF8.self), deadlineMs: deadline)
    }
}

extension SchedulerClient {
    /// Submits a validated plan, each task signed by `signer` when one is given (workers that
    /// hold trusted keys run signed tasks only). The idempotency key defaults to a hash of the
    /// plan's content, so submitting the same plan twice creates one feature.
    ///
    /// `repository` is the feature's prepared git repository (``FeatureRepository``, made by
    /// the CLI before it submits): it is recorded on the feature and signed into every task's
    /// spec. Without it tasks run in the plain working directory, as before.
    public func submit(plan: Plan, idempotencyKey: String? = nil,
                       baseDirectory: String = FileManager.default.currentDirectoryPath,
                       signer: SpecSigner? = nil, repository: FeatureRepository? = nil) throws(SchedulerError) -> SubmitResult {
        let f = plan.feature
        var records: [TaskRecord] = []
        for spec in f.tasks {
            do {
                records.append(try TaskRecord(spec: spec, repo: f.repo, baseDirectory: baseDirectory, repository: repository)
                    .signed(by: signer, feature: f.id))
            } catch {
                throw .signing(error)
            }
        }
        let key = idempotencyKey ?? Self.contentHash(of: f)
        return try submit(feature: f.id, description: f.description, budget: f.budget, idempotencyKey: key, tasks: records,
                          repository: repository)
    }

    /// A stable hash of a feature's content (its canonical JSON), as hex.
    public static func contentHash(of feature: Feature) -> String {
        let data = (try? stableJSONEncoder().encode(feature)) ?? Data()
        return "fnv1a-" + String(fnv1a(data), radix: 16)
    }
}
