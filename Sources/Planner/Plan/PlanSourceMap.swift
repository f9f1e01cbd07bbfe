import Yams

/// Where each part of a plan came from in its text, so checks made after parsing (unknown
/// dependencies, cycles, overlaps) can still name a line. Empty for plans built in code.
struct PlanSourceMap {
    /// Positions within one task.
    struct TaskMarks {
        var task: Mark?
        var id: Mark?
        var type: Mark?
        var executor: Mark?
        var budget: Mark?
        var machine: Mark?
        var cwd: Mark?
        var dependsOn: [Mark?] = []
        var artifacts: [Mark?] = []
        var inputs: [Mark?] = []
    }

    /// Position of the feature's top-level mapping.
    var root: Mark?
    /// Position of the `feature` id.
    var featureID: Mark?
    /// Position of the feature `budget`.
    var budget: Mark?
    /// Positions per task, parallel to `Feature.tasks`.
    var tasks: [TaskMarks] = []

    /// The marks of task `index`, or empty marks when unknown.
    func task(_ index: Int) -> TaskMarks {
        index < tasks.count ? tasks[index] : TaskMarks()
    }
}

extension SourceProblem {
    /// A problem at `mark`.
    init(at mark: Mark?, path: String, message: String) {
        self.init(line: mark?.line, column: mark?.column, path: path, message: message)
    }
}
