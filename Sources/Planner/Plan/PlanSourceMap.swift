/// Where each part of a plan came from in its text, so checks made after parsing (unknown
/// dependencies, cycles, overlaps) can still name a line. Holds node handles into the parsed
/// document and turns them into positions only when a problem is reported. Empty for plans
/// built in code.
struct PlanSourceMap {
    /// Nodes within one task; list fields hold the list node (an element's position is looked up).
    struct TaskNodes {
        var task: SourceNode?
        var id: SourceNode?
        var type: SourceNode?
        var executor: SourceNode?
        var budget: SourceNode?
        var machine: SourceNode?
        var requires: SourceNode?
        var cwd: SourceNode?
        var dependsOn: SourceNode?
        var artifacts: SourceNode?
        var inputs: SourceNode?
    }

    /// The parsed document.
    var document = SourceDocument()
    /// The feature's top-level mapping.
    var root: SourceNode?
    /// The `feature` id value.
    var featureID: SourceNode?
    /// The feature `budget` value.
    var budget: SourceNode?
    /// The feature `repo` value.
    var repo: SourceNode?
    /// The feature `integration_branch` value.
    var integrationBranch: SourceNode?
    /// The feature `integration_tests` value.
    var integrationTests: SourceNode?
    /// Nodes per task, parallel to `Feature.tasks`.
    var tasks: [TaskNodes] = []

    /// The nodes of task `index`, or none when unknown.
    func task(_ index: Int) -> TaskNodes {
        index < tasks.count ? tasks[index] : TaskNodes()
    }

    /// The position of `node`.
    func mark(_ node: SourceNode?) -> SourceMark? {
        node.map(document.mark)
    }

    /// The position of element `index` of the list `node`, else of `node`, else of `fallback`.
    func mark(element index: Int, of node: SourceNode?, fallback: SourceNode?) -> SourceMark? {
        if let node, let element = document.element(of: node, at: index) { return document.mark(element) }
        return mark(node ?? fallback)
    }
}

extension SourceProblem {
    /// A problem at `mark`.
    init(at mark: SourceMark?, path: String, message: String) {
        self.init(line: mark?.line, column: mark?.column, path: path, message: message)
    }
}
