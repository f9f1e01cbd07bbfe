import Foundation

/// Turns a composed plan document into a ``Feature`` and its ``PlanSourceMap``, reporting every
/// structural problem (unknown field, wrong type, missing value) with its field path and line.
/// Semantic checks (ids, dependencies, types, paths) are left to ``PlanValidator``.
struct PlanParser {
    static let featureKeys = ["feature", "description", "budget", "repo", "integration_branch", "integration_tests", "tasks"]
    static let taskKeys = ["id", "type", "title", "prompt", "agent", "command", "executor", "seconds", "depends_on",
                           "artifacts", "inputs", "budget", "acceptance_tests", "priority", "deadline", "requires",
                           "machine", "retries", "timeout", "cwd"]
    static let executorKinds = ["agent", "script", "noop", "sleep"]

    let config: SwarmConfig
    var reader: NodeReader
    var marks = PlanSourceMap()

    init(config: SwarmConfig, document: SourceDocument) {
        self.config = config
        reader = NodeReader(document: document)
        marks.document = document
    }

    /// Parses the document; `nil` document (empty text) is reported as such.
    mutating func parse(_ document: SourceNode?) -> Feature {
        var feature = Feature(id: "", budget: config.budgets.defaultFeatureBudget, tasks: [])
        guard let document else {
            reader.report(SourceProblem(line: 1, path: "", message: "the plan is empty; write a feature id and a list of tasks"))
            return feature
        }
        marks.root = document
        guard let fields = reader.mapping(document, path: "", allowed: Self.featureKeys) else { return feature }
        var sawTasks = false
        for entry in fields.entries {
            let key = entry.key, value = entry.value
            switch key {
            case "feature":
                marks.featureID = value
                feature.id = reader.requiredString(value, path: key) ?? ""
            case "description": feature.description = reader.string(value, path: key) ?? ""
            case "budget":
                marks.budget = value
                feature.budget = reader.int(value, path: key, in: 0...PlanLimits.budget) ?? feature.budget
            case "repo":
                marks.repo = value
                feature.repo = reader.string(value, path: key)
            case "integration_branch":
                marks.integrationBranch = value
                feature.integrationBranch = reader.requiredString(value, path: key)
            case "integration_tests":
                marks.integrationTests = value
                feature.integrationTests = parseArgumentLists(value, path: key)
            case "tasks":
                sawTasks = true
                feature.tasks = parseTasks(value)
            default: break
            }
        }
        if fields["feature"] == nil {
            reader.report(SourceProblem(at: reader.mark(document), path: "feature", message: "missing; give the feature an id, such as `feature: login`"))
        }
        if !sawTasks {
            reader.report(SourceProblem(at: reader.mark(document), path: "tasks", message: "missing; list the feature's tasks under `tasks:`"))
        }
        for index in feature.tasks.indices { feature.tasks[index].feature = feature.id }
        return feature
    }

    /// A list of commands, each an argument vector (a list of strings) or one string that
    /// `sh -c` runs, as acceptance tests are written.
    private mutating func parseArgumentLists(_ node: SourceNode, path: String) -> [[String]] {
        guard reader.document[node].kind == .sequence else {
            reader.report("expected a list of commands (each a list of arguments, or a shell command string), found \(reader.describe(node))",
                          path: path, at: node)
            return []
        }
        var lists: [[String]] = []
        for (offset, child) in reader.document.children(of: node).enumerated() {
            let item = SourceNode(index: child)
            if reader.document[item].kind == .sequence {
                if let argv = reader.strings(item, path: "\(path)[\(offset)]") { lists.append(argv) }
            } else if let command = reader.requiredString(item, path: "\(path)[\(offset)]") {
                lists.append(["sh", "-c", command])
            }
        }
        return lists
    }

    private mutating func parseTasks(_ node: SourceNode) -> [TaskSpec] {
        guard reader.document[node].kind == .sequence else {
            reader.report("expected a list of tasks, found \(reader.describe(node))", path: "tasks", at: node)
            return []
        }
        let sequence = reader.document.children(of: node).map { SourceNode(index: $0) }
        var tasks: [TaskSpec] = []
        tasks.reserveCapacity(sequence.count)
        marks.tasks.reserveCapacity(sequence.count)
        for (index, taskNode) in sequence.enumerated() {
            if let (task, taskMarks) = parseTask(taskNode, index: index) {
                tasks.append(task)
                marks.tasks.append(taskMarks)
            }
        }
        return tasks
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private mutating func parseTask(_ node: SourceNode, index: Int) -> (TaskSpec, PlanSourceMap.TaskNodes)? {
        let base = "tasks[\(index)]"
        guard let fields = reader.mapping(node, path: base, allowed: Self.taskKeys) else { return nil }
        var taskMarks = PlanSourceMap.TaskNodes(task: node)
        var id = "", type = "", title: String?, prompt: String?, agent: String?, command: String?
        var kind: String?, seconds: Double?, dependsOn: [String] = [], artifacts: [String] = [], inputs: [String] = []
        var budget: Int?, acceptance: [String] = [], priority = 0, deadline: Date?, requires: [String] = []
        var machine: String?, retries: Int?, timeout: Double?, cwd: String?
        var kindNode: SourceNode?, secondsNode: SourceNode?

        for entry in fields.entries {
            let value = entry.value
            let path = { "\(base).\(entry.key)" }
            switch entry.key {
            case "id":
                taskMarks.id = value
                id = reader.requiredString(value, path: path()) ?? ""
            case "type":
                taskMarks.type = value
                type = reader.requiredString(value, path: path()) ?? ""
            case "title": title = reader.string(value, path: path())
            case "prompt":
                taskMarks.executor = taskMarks.executor ?? value
                prompt = reader.requiredString(value, path: path())
            case "agent":
                taskMarks.executor = value
                agent = reader.requiredString(value, path: path())
            case "command":
                taskMarks.executor = taskMarks.executor ?? value
                command = reader.requiredString(value, path: path())
            case "executor":
                kindNode = value
                kind = reader.requiredString(value, path: path())
                if let chosen = kind, !Self.executorKinds.contains(chosen) {
                    reader.report("unknown executor '\(chosen)'\(didYouMean(chosen, Self.executorKinds)); use agent, script, noop or sleep",
                                  path: path(), at: value)
                    kind = nil
                }
            case "seconds":
                secondsNode = value
                seconds = reader.double(value, path: path(), in: 0...PlanLimits.seconds)
            case "depends_on":
                dependsOn = reader.strings(value, path: path()) ?? []
                taskMarks.dependsOn = value
            case "artifacts":
                artifacts = reader.strings(value, path: path()) ?? []
                taskMarks.artifacts = value
            case "inputs":
                inputs = reader.strings(value, path: path()) ?? []
                taskMarks.inputs = value
            case "budget":
                taskMarks.budget = value
                budget = reader.int(value, path: path(), in: 0...PlanLimits.budget)
            case "acceptance_tests": acceptance = reader.strings(value, path: path()) ?? []
            case "priority": priority = reader.int(value, path: path(), in: PlanLimits.priority) ?? 0
            case "deadline":
                if let text = reader.string(value, path: path()) {
                    deadline = parseDeadline(text)
                    if deadline == nil {
                        reader.report("'\(terminalSafe(text))' is not a date; write ISO-8601 such as 2025-06-01T12:00:00Z", path: path(), at: value)
                    } else if let date = deadline, !PlanLimits.deadline.contains(date.timeIntervalSince1970) {
                        reader.report("'\(text)' is out of range; use a date between 2000 and 9999", path: path(), at: value)
                        deadline = nil
                    }
                }
            case "requires":
                taskMarks.requires = value
                requires = reader.strings(value, path: path()) ?? []
            case "machine":
                taskMarks.machine = value
                machine = reader.requiredString(value, path: path())
            case "retries": retries = reader.int(value, path: path(), in: 0...PlanLimits.retries)
            case "timeout": timeout = reader.double(value, path: path(), in: 0...PlanLimits.seconds, positive: true)
            case "cwd":
                taskMarks.cwd = value
                cwd = reader.requiredString(value, path: path())
            default: break
            }
        }
        if fields.entries.first(where: { $0.key == "id" }) == nil {
            reader.report("missing id; give every task a unique `id`", path: base, at: node)
        }
        if fields.entries.first(where: { $0.key == "type" }) == nil {
            reader.report("missing type; set `type` to one of: \(config.taskTypes.keys.sorted().joined(separator: ", "))", path: base, at: node)
        }
        let executor = resolveExecutor(kind: kind, kindNode: kindNode, prompt: prompt, agent: agent, command: command,
                                       seconds: seconds, secondsNode: secondsNode, base: base, node: node)
        let typeConfig = config.taskTypes[type] ?? TaskTypeConfig()
        let task = TaskSpec(id: id, feature: "", type: type, title: title ?? id, executor: executor,
                            dependsOn: dependsOn, artifacts: artifacts, inputs: inputs,
                            budget: budget ?? typeConfig.defaultBudget, acceptanceTests: acceptance, priority: priority,
                            deadline: deadline, requires: requires, machine: machine,
                            retries: retries ?? typeConfig.retries, timeout: timeout ?? typeConfig.timeout, cwd: cwd)
        return (task, taskMarks)
    }

    // swiftlint:disable:next function_parameter_count
    private mutating func resolveExecutor(kind: String?, kindNode: SourceNode?, prompt: String?, agent: String?, command: String?,
                                          seconds: Double?, secondsNode: SourceNode?, base: String, node: SourceNode) -> ExecutorSpec {
        let chosen = kind ?? (prompt != nil || agent != nil ? "agent" : command != nil ? "script" : nil)
        if prompt != nil, command != nil {
            reader.report("has both prompt and command; an agent task uses prompt, a script task uses command — keep one",
                          path: base, at: node)
        }
        if seconds != nil, chosen != "sleep" {
            reader.report("seconds only applies to `executor: sleep`; remove it or set the executor", path: "\(base).seconds", at: secondsNode)
        }
        switch chosen {
        case "agent":
            guard let prompt else {
                reader.report("an agent task needs a `prompt`", path: base, at: kindNode ?? node)
                return .noop
            }
            return .agent(name: agent ?? config.planner.agent, prompt: prompt)
        case "script":
            guard let command else {
                reader.report("a script task needs a `command`", path: base, at: kindNode ?? node)
                return .noop
            }
            return .script(command: command)
        case "sleep":
            guard let seconds else {
                reader.report("a sleep task needs `seconds`", path: base, at: kindNode ?? node)
                return .noop
            }
            return .sleep(seconds: seconds)
        case "noop":
            return .noop
        default:
            if kind == nil, kindNode == nil {
                reader.report("says nothing to run; give a `prompt` (agent task), a `command` (script task), or `executor: noop` / `executor: sleep` with `seconds`",
                              path: base, at: node)
            }
            return .noop
        }
    }
}
