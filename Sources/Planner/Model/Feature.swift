import Foundation

/// A feature: a description, a token budget and the tasks that implement it.
///
/// JSON form: `{"id", "description", "budget", "repo"?, "tasks": [TaskSpec]}` with snake_case keys.
public struct Feature: Sendable, Equatable, Codable {
    /// Id of the feature: letters, digits, `-`, `_` and `.`.
    public var id: String
    /// What the feature is about.
    public var description: String
    /// Total token budget of all its tasks.
    public var budget: Int
    /// Path of the repository the tasks work in, if not the current directory.
    public var repo: String?
    /// The tasks, in file order.
    public var tasks: [TaskSpec]
    /// The branch merged work lands on (plan key `integration_branch`; nil: `swarm/<feature>`).
    /// Only meaningful with a `repo`.
    public var integrationBranch: String?
    /// Argument vectors run on the integration branch after each merge (plan key
    /// `integration_tests`); a failure stops the feature's merges until a person acts.
    public var integrationTests: [[String]]

    /// Creates a feature.
    public init(id: String, description: String = "", budget: Int, repo: String? = nil, tasks: [TaskSpec],
                integrationBranch: String? = nil, integrationTests: [[String]] = []) {
        self.id = id
        self.description = description
        self.budget = budget
        self.repo = repo
        self.tasks = tasks
        self.integrationBranch = integrationBranch
        self.integrationTests = integrationTests
    }

    /// The integration branch this feature's merged work lands on.
    public var effectiveIntegrationBranch: String { integrationBranch ?? "swarm/\(id)" }

    private enum CodingKeys: String, CodingKey {
        case id, description, budget, repo, tasks
        case integrationBranch = "integration_branch"
        case integrationTests = "integration_tests"
    }

    /// Decodes the JSON form.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        budget = try c.decode(Int.self, forKey: .budget)
        repo = try c.decodeIfPresent(String.self, forKey: .repo)
        tasks = try c.decode([TaskSpec].self, forKey: .tasks)
        integrationBranch = try c.decodeIfPresent(String.self, forKey: .integrationBranch)
        integrationTests = try c.decodeIfPresent([[String]].self, forKey: .integrationTests) ?? []
    }

    /// Encodes the JSON form; the merge-queue keys are omitted when unused, so a feature
    /// without them encodes (and hashes, for idempotency keys) exactly as before.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(description, forKey: .description)
        try c.encode(budget, forKey: .budget)
        try c.encodeIfPresent(repo, forKey: .repo)
        try c.encode(tasks, forKey: .tasks)
        try c.encodeIfPresent(integrationBranch, forKey: .integrationBranch)
        if !integrationTests.isEmpty { try c.encode(integrationTests, forKey: .integrationTests) }
    }
}

extension Feature {
    /// The feature with every artifact, input and `cwd` path in its normal spelling
    /// (``normalizedArtifactPath(_:)``), as the scheduler's locks compare them.
    public func normalizingPaths() -> Feature {
        var copy = self
        for index in copy.tasks.indices { copy.tasks[index] = copy.tasks[index].normalizingPaths() }
        return copy
    }
}
