import Foundation

/// The checks every plan goes through, however it was made (file, agent, template): ids, types,
/// agents, machines, paths, dependencies, cycles, budget and artifact overlaps. Collects all
/// problems; overlaps are warnings unless `strict`.
struct PlanValidator {
    let config: SwarmConfig
    let strict: Bool
    /// The repository folder on this host, when known (a plan file's): paths are also checked
    /// for symbolic links that lead out of it.
    var repositoryRoot: String?

    /// Errors and warnings found, and the analysis (present when the graph has no cycles).
    struct Outcome {
        var errors: [PlanProblem] = []
        var warnings: [PlanProblem] = []
        var analysis: PlanAnalysis?
    }

    func validate(_ feature: Feature, marks: PlanSourceMap) -> Outcome {
        var outcome = Outcome()
        let graph = TaskGraph(tasks: feature.tasks)
        checkFeature(feature, marks: marks, into: &outcome.errors)
        checkTasks(feature.tasks, graph: graph, marks: marks, into: &outcome.errors)
        checkDependencies(feature.tasks, graph: graph, marks: marks, into: &outcome.errors)
        let order = TopologicalOrder(graph)
        for cycle in CycleFinder.cycles(in: graph, order: order) {
            let names = cycle.map { feature.tasks[$0].id }
            let first = cycle[0], dependency = cycle[1]
            let position = feature.tasks[first].dependsOn.firstIndex(of: feature.tasks[dependency].id) ?? 0
            let mark = marks.mark(element: position, of: marks.task(first).dependsOn, fallback: marks.task(first).task)
            outcome.errors.append(PlanProblem(at: mark, path: "tasks[\(first)].depends_on",
                                              message: "dependency cycle \(names.joined(separator: " -> ")); remove one of these dependencies"))
        }
        guard order.isComplete else { return outcome }

        let analysis = PlanAnalyzer.analyze(feature, graph: graph, order: order, config: config)
        if analysis.totalTokens == Int.max {
            outcome.errors.append(PlanProblem(at: marks.mark(marks.budget ?? marks.root), path: "budget",
                                              message: "the task budgets add up to more than \(Int.max) tokens; lower them"))
        } else if analysis.totalTokens > feature.budget {
            outcome.errors.append(PlanProblem(at: marks.mark(marks.budget ?? marks.root), path: "budget",
                                              message: "tasks need \(analysis.totalTokens) tokens but the feature budget is \(feature.budget); raise `budget` or lower task budgets"))
        }
        let conflicts = ArtifactConflicts(tasks: feature.tasks, graph: graph, order: order)
        for conflict in conflicts.conflicts {
            let a = feature.tasks[conflict.first], b = feature.tasks[conflict.second]
            let paths = conflict.paths.map { $0.0 == $0.1 ? $0.0 : "\($0.0) and \($0.1)" }.joined(separator: "; ")
            let mark = marks.mark(element: conflict.secondArtifact, of: marks.task(conflict.second).artifacts,
                                  fallback: marks.task(conflict.second).task)
            let problem = PlanProblem(at: mark, path: "tasks[\(conflict.second)].artifacts",
                                      message: "tasks '\(a.id)' and '\(b.id)' may run at the same time and both write \(paths); add a depends_on between them or separate their artifacts")
            if strict { outcome.errors.append(problem) } else { outcome.warnings.append(problem) }
        }
        if conflicts.isTruncated {
            outcome.warnings.append(PlanProblem(at: marks.mark(marks.root), path: "tasks",
                                                message: "over \(ArtifactConflicts.pairLimit) pairs of overlapping artifacts; only the first were checked. Give tasks narrower artifacts"))
        }
        outcome.analysis = analysis
        return outcome
    }

    private func checkFeature(_ feature: Feature, marks: PlanSourceMap, into errors: inout [PlanProblem]) {
        if !feature.id.isEmpty, let problem = planIDProblem(feature.id) {
            errors.append(PlanProblem(at: marks.mark(marks.featureID), path: "feature", message: problem))
        }
        if feature.id.isEmpty, marks.root == nil {
            errors.append(PlanProblem(path: "feature", message: "the feature has no id; give it one"))
        }
        if feature.budget < 0 || feature.budget > PlanLimits.budget {
            errors.append(PlanProblem(at: marks.mark(marks.budget), path: "budget",
                                      message: "\(feature.budget) is out of range; use a value in 0...\(PlanLimits.budget)"))
        }
        if let repo = feature.repo, let problem = repositoryProblem(repo) {
            errors.append(PlanProblem(at: marks.mark(marks.repo ?? marks.root), path: "repo", message: problem))
        }
        checkMergeQueueKeys(feature, marks: marks, into: &errors)
        if feature.tasks.isEmpty {
            errors.append(PlanProblem(at: marks.mark(marks.root), path: "tasks", message: "the feature has no tasks; list at least one"))
        }
    }

    // swiftlint:disable:next function_body_length
    private func checkTasks(_ tasks: [TaskSpec], graph: TaskGraph, marks: PlanSourceMap, into errors: inout [PlanProblem]) {
        var agentNames: [String]?
        for (index, task) in tasks.enumerated() {
            let taskMarks = marks.task(index)
            let base = "tasks[\(index)]"
            if !task.id.isEmpty {
                if let problem = planIDProblem(task.id) {
                    errors.append(PlanProblem(at: marks.mark(taskMarks.id ?? taskMarks.task), path: "\(base).id", message: problem))
                }
                if let first = graph.index[task.id], first != index {
                    let line = marks.mark(marks.task(first).id)?.line.description ?? "tasks[\(first)]"
                    errors.append(PlanProblem(at: marks.mark(taskMarks.id ?? taskMarks.task), path: "\(base).id",
                                              message: "duplicate task id '\(task.id)' (first used at line \(line)); give each task its own id"))
                }
            } else if marks.tasks.isEmpty {
                errors.append(PlanProblem(path: "\(base).id", message: "the task has no id; give every task a unique id"))
            }
            if !task.type.isEmpty, let problem = planNameProblem(task.type, what: "task type") {
                errors.append(PlanProblem(at: marks.mark(taskMarks.type ?? taskMarks.task), path: "\(base).type", message: problem))
            } else if !task.type.isEmpty, config.taskTypes[task.type] == nil {
                errors.append(PlanProblem(at: marks.mark(taskMarks.type ?? taskMarks.task), path: "\(base).type",
                                          message: "unknown task type '\(task.type)'\(didYouMean(task.type, config.taskTypes.keys)); use one of \(config.taskTypes.keys.sorted().joined(separator: ", ")) or add it under task_types in the config"))
            }
            if case .agent(let name, _) = task.executor, config.agents[name] == nil {
                agentNames = agentNames ?? config.agents.keys.sorted()
                errors.append(PlanProblem(at: marks.mark(taskMarks.executor ?? taskMarks.task), path: "\(base).agent",
                                          message: "unknown agent '\(name)'\(didYouMean(name, agentNames ?? [])); use one of \(agentNames?.joined(separator: ", ") ?? "") or add it under agents in the config"))
            }
            if let machine = task.machine, let problem = planNameProblem(machine, what: "machine name") {
                errors.append(PlanProblem(at: marks.mark(taskMarks.machine ?? taskMarks.task), path: "\(base).machine", message: problem))
            } else if let machine = task.machine, !config.machines.isEmpty, config.machines[machine] == nil {
                errors.append(PlanProblem(at: marks.mark(taskMarks.machine ?? taskMarks.task), path: "\(base).machine",
                                          message: "unknown machine '\(machine)'\(didYouMean(machine, config.machines.keys)); use a host listed under machines in the config"))
            }
            checkPaths(task.artifacts, list: taskMarks.artifacts, fallback: taskMarks.task, marks: marks, path: "\(base).artifacts", into: &errors)
            checkPaths(task.inputs, list: taskMarks.inputs, fallback: taskMarks.task, marks: marks, path: "\(base).inputs", into: &errors)
            if let cwd = task.cwd, normalizedArtifactPath(cwd) != "." {
                if let problem = artifactPathProblem(cwd) ?? repositoryRoot.flatMap({ symlinkEscapeProblem(cwd, root: $0) }) {
                    errors.append(PlanProblem(at: marks.mark(taskMarks.cwd ?? taskMarks.task), path: "\(base).cwd", message: problem))
                }
            }
            for (position, capability) in task.requires.enumerated() {
                if let problem = planNameProblem(capability, what: "capability", allowing: ":=") {
                    errors.append(PlanProblem(at: marks.mark(taskMarks.requires ?? taskMarks.task), path: "\(base).requires[\(position)]",
                                              message: problem))
                }
            }
            checkNumbers(task, marks: marks, taskMarks: taskMarks, base: base, into: &errors)
        }
    }

    /// Bounds of the task's numbers, whether written in the plan or taken from its type's
    /// defaults in the config (see ``PlanLimits``).
    private func checkNumbers(_ task: TaskSpec, marks: PlanSourceMap, taskMarks: PlanSourceMap.TaskNodes, base: String,
                              into errors: inout [PlanProblem]) {
        func report(_ field: String, _ node: SourceNode?, _ message: String) {
            errors.append(PlanProblem(at: marks.mark(node ?? taskMarks.task), path: "\(base).\(field)", message: message))
        }
        if task.budget < 0 || task.budget > PlanLimits.budget {
            report("budget", taskMarks.budget, "\(task.budget) is out of range; use a value in 0...\(PlanLimits.budget)")
        }
        if task.retries < 0 || task.retries > PlanLimits.retries {
            report("retries", taskMarks.task, "\(task.retries) is out of range; use a value in 0...\(PlanLimits.retries)")
        }
        if !PlanLimits.priority.contains(task.priority) {
            report("priority", taskMarks.task, "\(task.priority) is out of range; use a value in \(PlanLimits.priority.describedRange)")
        }
        if !(task.timeout > 0 && task.timeout <= PlanLimits.seconds) {
            report("timeout", taskMarks.task, "\(task.timeout.plain) is out of range; use more than 0 and at most \(PlanLimits.seconds.plain) seconds")
        }
        if case .sleep(let seconds) = task.executor, !(seconds >= 0 && seconds <= PlanLimits.seconds) {
            report("seconds", taskMarks.executor, "\(seconds.plain) is out of range; use a value in 0...\(PlanLimits.seconds.plain)")
        }
        if let deadline = task.deadline, !PlanLimits.deadline.contains(deadline.timeIntervalSince1970) {
            report("deadline", taskMarks.task, "is out of range; use a date between 2000 and 9999")
        }
    }

    private func checkPaths(_ paths: [String], list: SourceNode?, fallback: SourceNode?, marks: PlanSourceMap, path: String,
                            into errors: inout [PlanProblem]) {
        for (index, value) in paths.enumerated() {
            guard let problem = artifactPathProblem(value) ?? repositoryRoot.flatMap({ symlinkEscapeProblem(value, root: $0) }) else { continue }
            let mark = marks.mark(element: index, of: list, fallback: fallback)
            errors.append(PlanProblem(at: mark, path: "\(path)[\(index)]", message: problem))
        }
    }

    private func checkDependencies(_ tasks: [TaskSpec], graph: TaskGraph, marks: PlanSourceMap, into errors: inout [PlanProblem]) {
        for (index, position) in graph.unknownDependencies {
            do {
                let task = tasks[index], id = task.dependsOn[position]
                let mark = marks.mark(element: position, of: marks.task(index).dependsOn, fallback: marks.task(index).task)
                let suggestion = closestMatch(to: id, in: tasks.lazy.map(\.id)).map { " (did you mean '\($0)'?)" } ?? ""
                errors.append(PlanProblem(at: mark, path: "tasks[\(index)].depends_on[\(position)]",
                                          message: "task '\(task.id)' depends on unknown task '\(id)'\(suggestion); use the id of a task in this plan"))
            }
        }
    }
}
