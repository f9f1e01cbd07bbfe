import Foundation

/// One task of a feature: what to run, what it needs and what it may touch.
///
/// Stored as JSON in Redis and decoded by workers, so the encoding is stable: snake_case keys
/// (`depends_on`, `acceptance_tests`, ...), `deadline` as an ISO-8601 string, optional values
/// omitted when absent. Use ``encodedJSON()`` and ``decode(json:)`` for the canonical form.
public struct TaskSpec: Sendable, Equatable, Codable {
    /// Id unique within its feature: letters, digits, `-`, `_` and `.`.
    public var id: String
    /// Id of the feature the task belongs to.
    public var feature: String
    /// Task type, a key of `task_types` in the config.
    public var type: String
    /// One-line human title (defaults to the id).
    public var title: String
    /// What the task runs.
    public var executor: ExecutorSpec
    /// Ids of tasks (same feature) that must succeed first.
    public var dependsOn: [String]
    /// Repo-relative paths the task may write; a trailing `/` marks a directory. Two tasks with
    /// overlapping artifacts never run at once (see ``artifactsOverlap(_:_:)``).
    public var artifacts: [String]
    /// Repo-relative paths the task reads (informational).
    public var inputs: [String]
    /// Token budget of the task.
    public var budget: Int
    /// Shell commands that must succeed for the task to count as done.
    public var acceptanceTests: [String]
    /// Higher runs first among ready tasks (aged so low priorities never starve).
    public var priority: Int
    /// Time by which the task should be done, if any.
    public var deadline: Date?
    /// Capabilities a worker must offer to claim the task.
    public var requires: [String]
    /// Host that must run the task, if any.
    public var machine: String?
    /// Retries after a failure.
    public var retries: Int
    /// Seconds before the running task is stopped.
    public var timeout: Double
    /// Working directory relative to the feature's repo, if not its root.
    public var cwd: String?
    /// The feature's git repository (an absolute local path or a URL git can fetch), set by
    /// submit on every task of a feature that has one. A task with a repository runs in a
    /// worktree of it and lands through the merge queue; nil keeps the plain working directory.
    public var repository: String?
    /// The feature's integration branch (`swarm/<feature>` unless the plan names another).
    public var integrationBranch: String?
    /// The integration branch's commit when the feature was submitted.
    public var baseCommit: String?
    /// The feature's integration tests (argument vectors), run on the integration branch after
    /// each merge. Carried in the signed spec so a merging worker never runs unsigned commands.
    public var integrationTests: [[String]] = []

    /// Whether the task works in a git repository (worktree, merge queue).
    public var isRepositoryTask: Bool { repository.map { !$0.isEmpty } ?? false }

    /// `feature/task`, unique across features.
    public var globalID: String { "\(feature)/\(id)" }

    /// Creates a task; unspecified values are empty or zero.
    public init(id: String, feature: String, type: String, title: String? = nil, executor: ExecutorSpec,
                dependsOn: [String] = [], artifacts: [String] = [], inputs: [String] = [], budget: Int = 0,
                acceptanceTests: [String] = [], priority: Int = 0, deadline: Date? = nil, requires: [String] = [],
                machine: String? = nil, retries: Int = 0, timeout: Double = 600, cwd: String? = nil) {
        self.id = id
        self.feature = feature
        self.type = type
        self.title = title ?? id
        self.executor = executor
        self.dependsOn = dependsOn
        self.artifacts = artifacts
        self.inputs = inputs
        self.budget = budget
        self.acceptanceTests = acceptanceTests
        self.priority = priority
        self.deadline = deadline
        self.requires = requires
        self.machine = machine
        self.retries = retries
        self.timeout = timeout
        self.cwd = cwd
    }

    private enum CodingKeys: String, CodingKey {
        case id, feature, type, title, executor
        case dependsOn = "depends_on"
        case artifacts, inputs, budget
        case acceptanceTests = "acceptance_tests"
        case priority, deadline, requires, machine, retries, timeout, cwd
        case repository
        case integrationBranch = "integration_branch"
        case baseCommit = "base_commit"
        case integrationTests = "integration_tests"
    }

    /// Decodes the stable JSON form.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        feature = try c.decode(String.self, forKey: .feature)
        type = try c.decode(String.self, forKey: .type)
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? id
        executor = try c.decode(ExecutorSpec.self, forKey: .executor)
        dependsOn = try c.decodeIfPresent([String].self, forKey: .dependsOn) ?? []
        artifacts = try c.decodeIfPresent([String].self, forKey: .artifacts) ?? []
        inputs = try c.decodeIfPresent([String].self, forKey: .inputs) ?? []
        budget = try c.decodeIfPresent(Int.self, forKey: .budget) ?? 0
        acceptanceTests = try c.decodeIfPresent([String].self, forKey: .acceptanceTests) ?? []
        priority = try c.decodeIfPresent(Int.self, forKey: .priority) ?? 0
        if let text = try c.decodeIfPresent(String.self, forKey: .deadline) {
            guard let date = parseDeadline(text) else {
                throw DecodingError.dataCorruptedError(forKey: .deadline, in: c,
                                                       debugDescription: "'\(text)' is not an ISO-8601 date such as 2025-06-01T12:00:00Z")
            }
            deadline = date
        } else {
            deadline = nil
        }
        requires = try c.decodeIfPresent([String].self, forKey: .requires) ?? []
        machine = try c.decodeIfPresent(String.self, forKey: .machine)
        retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? 0
        timeout = try c.decodeIfPresent(Double.self, forKey: .timeout) ?? 600
        cwd = try c.decodeIfPresent(String.self, forKey: .cwd)
        repository = try c.decodeIfPresent(String.self, forKey: .repository)
        integrationBranch = try c.decodeIfPresent(String.self, forKey: .integrationBranch)
        baseCommit = try c.decodeIfPresent(String.self, forKey: .baseCommit)
        integrationTests = try c.decodeIfPresent([[String]].self, forKey: .integrationTests) ?? []
        // A spec may come from a Redis someone else wrote to: a value no plan can hold (timeout
        // 1e300 would trap the worker converting it) makes the spec unreadable, not a crash.
        func refuse(_ key: CodingKeys, _ what: String) throws {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(what) is out of range")
        }
        if !(timeout >= 0 && timeout <= PlanLimits.seconds) { try refuse(.timeout, "timeout \(timeout)") }
        if budget < 0 || budget > PlanLimits.budget { try refuse(.budget, "budget \(budget)") }
        if retries < 0 || retries > PlanLimits.retries { try refuse(.retries, "retries \(retries)") }
        if !PlanLimits.priority.contains(priority) { try refuse(.priority, "priority \(priority)") }
        if case .sleep(let seconds) = executor, !(seconds >= 0 && seconds <= PlanLimits.seconds) {
            try refuse(.executor, "sleep seconds \(seconds)")
        }
    }

    /// Encodes the stable JSON form.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(feature, forKey: .feature)
        try c.encode(type, forKey: .type)
        try c.encode(title, forKey: .title)
        try c.encode(executor, forKey: .executor)
        try c.encode(dependsOn, forKey: .dependsOn)
        try c.encode(artifacts, forKey: .artifacts)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(budget, forKey: .budget)
        try c.encode(acceptanceTests, forKey: .acceptanceTests)
        try c.encode(priority, forKey: .priority)
        try c.encodeIfPresent(deadline.map(formatDeadline), forKey: .deadline)
        try c.encode(requires, forKey: .requires)
        try c.encodeIfPresent(machine, forKey: .machine)
        try c.encode(retries, forKey: .retries)
        try c.encode(timeout, forKey: .timeout)
        try c.encodeIfPresent(cwd, forKey: .cwd)
        // Omitted when absent, so a task without a repository encodes exactly as before.
        try c.encodeIfPresent(repository, forKey: .repository)
        try c.encodeIfPresent(integrationBranch, forKey: .integrationBranch)
        try c.encodeIfPresent(baseCommit, forKey: .baseCommit)
        if !integrationTests.isEmpty { try c.encode(integrationTests, forKey: .integrationTests) }
    }

    /// The task with its artifact, input and `cwd` paths normalised (``normalizedArtifactPath(_:)``).
    public func normalizingPaths() -> TaskSpec {
        var copy = self
        copy.artifacts = artifacts.map(normalizedArtifactPath)
        copy.inputs = inputs.map(normalizedArtifactPath)
        copy.cwd = cwd.map(normalizedArtifactPath)
        return copy
    }

    /// The canonical JSON (sorted keys, no whitespace), as stored in Redis.
    public func encodedJSON() -> Data {
        // Encoding plain strings, numbers and arrays cannot fail.
        (try? stableJSONEncoder().encode(self)) ?? Data()
    }

    /// Decodes the canonical JSON written by ``encodedJSON()``.
    public static func decode(json: Data) throws -> TaskSpec {
        try JSONDecoder().decode(TaskSpec.self, from: json)
    }
}

/// A JSON encoder with sorted keys and unescaped slashes: the same value always gives the same bytes.
public func stableJSONEncoder(pretty: Bool = false) -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
    return encoder
}

/// Parses `2025-06-01T12:00:00Z`, `2025-06-01T12:00:00+02:00` or `2025-06-01` (midnight UTC).
func parseDeadline(_ text: String) -> Date? {
    if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
    if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
    return try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())
}

/// `2025-06-01T12:00:00Z`.
func formatDeadline(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle())
}
