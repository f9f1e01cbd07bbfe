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

    /// Creates a feature.
    public init(id: String, description: String = "", budget: Int, repo: String? = nil, tasks: [TaskSpec]) {
        self.id = id
        self.description = description
        self.budget = budget
        self.repo = repo
        self.tasks = tasks
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
