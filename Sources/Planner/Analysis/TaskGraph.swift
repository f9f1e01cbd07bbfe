/// The dependency graph of a feature's tasks by index (file order), built once and shared by
/// the analyses. Unknown dependency ids are left out (the validator reports them).
struct TaskGraph {
    /// Number of tasks.
    let count: Int
    /// Index of each id (the first task with that id, if duplicated).
    let index: [String: Int]
    /// `dependencies[i]`: indices task `i` depends on (deduplicated).
    let dependencies: [[Int]]
    /// `dependents[i]`: indices that depend on task `i`.
    let dependents: [[Int]]
    /// Dependencies naming no task: (task index, position in its `dependsOn`).
    let unknownDependencies: [(task: Int, position: Int)]

    init(tasks: [TaskSpec]) {
        count = tasks.count
        var index: [String: Int] = [:]
        index.reserveCapacity(tasks.count)
        for (position, task) in tasks.enumerated() where index[task.id] == nil {
            index[task.id] = position
        }
        var dependencies = [[Int]](repeating: [], count: tasks.count)
        var dependents = [[Int]](repeating: [], count: tasks.count)
        var unknown: [(task: Int, position: Int)] = []
        for (position, task) in tasks.enumerated() {
            var seen: [Int] = []
            seen.reserveCapacity(task.dependsOn.count)
            for (offset, id) in task.dependsOn.enumerated() {
                guard let dependency = index[id] else {
                    unknown.append((position, offset))
                    continue
                }
                guard !seen.contains(dependency) else { continue }
                seen.append(dependency)
                dependents[dependency].append(position)
            }
            dependencies[position] = seen
        }
        self.index = index
        self.dependencies = dependencies
        self.dependents = dependents
        unknownDependencies = unknown
    }
}
