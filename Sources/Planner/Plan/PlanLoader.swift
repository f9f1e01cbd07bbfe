import Foundation

/// Reads, checks and analyses feature plans.
///
/// A plan file (YAML or JSON) looks like:
/// ```yaml
/// feature: login                 # feature id
/// description: Users sign in with email and password
/// budget: 600000                 # tokens for all tasks (default: budgets.default_feature_budget)
/// repo: .                        # optional repository path
/// tasks:
///   - id: api                    # unique within the feature
///     type: backend              # a key of task_types
///     agent: claude              # + prompt: an agent task (agent defaults to planner.agent)
///     prompt: Add POST /login
///     depends_on: [db]
///     artifacts: [src/api/]      # repo-relative; trailing / = directory
///   - id: db
///     type: script
///     command: make migrate      # a script task
///   # or `executor: noop`, or `executor: sleep` with `seconds: 2`
/// ```
/// Optional task fields: title, inputs, budget, acceptance_tests, priority, deadline (ISO-8601),
/// requires, machine, retries, timeout, cwd. Every problem is reported at once, with its line.
public struct PlanLoader: Sendable {
    /// The config giving task types, agents, machines and defaults.
    public var config: SwarmConfig
    /// Whether warnings (overlapping artifacts of tasks that may run together) are errors.
    public var strict: Bool

    /// A loader checking against `config`.
    public init(config: SwarmConfig = SwarmConfig(), strict: Bool = false) {
        self.config = config
        self.strict = strict
    }

    /// Loads the plan file at `path` (JSON if it ends in `.json`, YAML otherwise).
    ///
    /// - Throws: ``PlanError`` listing every problem.
    /// Paths are also checked on disk: none may lead out of the plan's repository (its `repo`,
    /// relative to the file's folder, or that folder) through a symbolic link.
    ///
    /// - Throws: ``PlanError/unreadable(path:reason:)`` for a directory, FIFO, device, a file
    ///   over ``PlanLimits/planBytes`` or one that is not UTF-8; ``PlanError/invalid(source:problems:)``
    ///   listing every problem of the plan.
    public func load(path: String) throws(PlanError) -> Plan {
        let text: String
        switch TextFileReader.read(path, limit: PlanLimits.planBytes, what: "plan") {
        case .success(let read): text = read
        case .failure(let problem): throw .unreadable(path: path, reason: problem.reason)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try load(text: text, format: PlanFileFormat(path: path), source: path, baseDirectory: folder)
    }

    /// Loads a plan from text.
    ///
    /// - Parameters:
    ///   - format: the syntax, for JSON-specific leniency (tab indentation).
    ///   - source: a name for the text in messages (usually its path).
    /// - Throws: ``PlanError`` listing every problem.
    ///   - baseDirectory: the folder a relative `repo` is resolved against; when given, paths
    ///     are checked for symbolic links leading out of the repository.
    public func load(text: String, format: PlanFileFormat = .yaml, source: String? = nil,
                     baseDirectory: String? = nil) throws(PlanError) -> Plan {
        // JSON allows tabs between tokens where YAML does not; literal tabs cannot appear inside
        // JSON strings, so replacing them keeps every line and column.
        let text = format == .json && text.utf8.contains(9) ? text.replacingOccurrences(of: "\t", with: " ") : text
        switch SourceDocument.parse(text) {
        case .failure(let error):
            throw .invalid(source: source, problems: [error.problem])
        case .success(let document):
            var parser = PlanParser(config: config, document: document)
            let feature = parser.parse(document.root)
            // A repository reached by URL is not on this host's disk: nothing to resolve links in.
            let root = feature.repo.map(repositoryIsURL) == true ? nil : baseDirectory.map { repositoryRoot(repo: feature.repo, base: $0) }
            return try check(feature, marks: parser.marks, parseProblems: parser.reader.problems, source: source, root: root)
        }
    }

    /// Checks a feature built in code (by a decomposer or a test) exactly like a loaded file.
    ///
    /// - Throws: ``PlanError`` listing every problem.
    public func validate(_ feature: Feature) throws(PlanError) -> Plan {
        try check(feature, marks: PlanSourceMap(), parseProblems: [], source: nil)
    }

    private func check(_ feature: Feature, marks: PlanSourceMap, parseProblems: [PlanProblem],
                       source: String?, root: String? = nil) throws(PlanError) -> Plan {
        let outcome = PlanValidator(config: config, strict: strict, repositoryRoot: root).validate(feature, marks: marks)
        let errors = parseProblems + outcome.errors
        guard errors.isEmpty, let analysis = outcome.analysis else {
            throw .invalid(source: source, problems: errors)
        }
        return Plan(feature: feature.normalizingPaths(), analysis: analysis, warnings: outcome.warnings)
    }
}
