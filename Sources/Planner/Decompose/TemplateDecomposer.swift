/// Turns a one-line feature description into a fixed, deterministic plan: `backend` and
/// `frontend` in parallel, `tests` after both, `docs` last — each only if the config has that
/// task type. Every task is an agent task for `planner.agent`.
public struct TemplateDecomposer: Sendable {
    /// The config giving task types, the agent and the default budget.
    public var config: SwarmConfig

    /// A decomposer using `config`.
    public init(config: SwarmConfig = SwarmConfig()) {
        self.config = config
    }

    /// The feature for `description`, not yet validated. Its id is a slug of the description
    /// unless `id` is given.
    public func feature(for description: String, id: String? = nil) -> Feature {
        let featureID = id ?? Self.slug(description)
        let agent = config.planner.agent
        var tasks: [TaskSpec] = []
        func add(_ type: String, _ title: String, _ prompt: String, after dependencies: [String]) {
            guard let typeConfig = config.taskTypes[type] else { return }
            let known = dependencies.filter { dependency in tasks.contains { $0.id == dependency } }
            tasks.append(TaskSpec(id: type, feature: featureID, type: type, title: title,
                                  executor: .agent(name: agent, prompt: "\(prompt)\n\nFeature: \(description)"),
                                  dependsOn: known, budget: typeConfig.defaultBudget,
                                  retries: typeConfig.retries, timeout: typeConfig.timeout))
        }
        add("backend", "Backend", "Implement the server-side part of this feature. Change only backend code.", after: [])
        add("frontend", "Frontend", "Implement the user-facing part of this feature. Change only frontend code.", after: [])
        add("tests", "Tests", "Write tests covering this feature end to end and make them pass.", after: ["backend", "frontend"])
        // Docs come last: after tests, or after whatever exists when there is no tests type.
        let docsAfter = tasks.contains { $0.id == "tests" } ? ["tests"] : tasks.map(\.id)
        add("docs", "Documentation", "Document this feature for users.", after: docsAfter)
        return Feature(id: featureID, description: description, budget: config.budgets.defaultFeatureBudget, tasks: tasks)
    }

    /// The validated template plan for `description`.
    ///
    /// - Throws: ``PlanError`` when the config cannot support the template (no matching task
    ///   types, unknown planner agent, budget too small).
    public func decompose(_ description: String, id: String? = nil) throws(PlanError) -> Decomposition {
        let plan = try PlanLoader(config: config).validate(feature(for: description, id: id))
        return Decomposition(plan: plan, fellBack: false, notes: ["plan made from the built-in template"])
    }

    /// A feature id from a description: the first words, lowercased, joined by `-`.
    public static func slug(_ description: String) -> String {
        let words = description.lowercased()
            .split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
            .prefix(5)
        var slug = words.joined(separator: "-")
        if slug.count > 40 { slug = String(slug.prefix(40)) }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "feature" : slug
    }
}
