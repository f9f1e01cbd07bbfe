/// The dependency graph of a feature's tasks by index (file order), built once and shared by
/// the analyses. Edges are stored in flat arrays (compressed rows), so building it allocates a
/// handful of arrays however many tasks there are. Unknown dependency ids are left out and
/// listed in `unknownDependencies`; repeated ones are kept once.
struct TaskGraph {
    /// Number of tasks.
    let count: Int
    /// Index of each id (the first task with that id, if duplicated).
    let index: [String: Int]
    /// Dependencies naming no task: (task index, position in its `dependsOn`).
    let unknownDependencies: [(task: Int, position: Int)]

    private let dependencyStart: [Int]
    private let dependencyList: [Int]
    private let dependentStart: [Int]
    private let dependentList: [Int]

    /// Indices task `task` depends on.
    func dependencies(of task: Int) -> ArraySlice<Int> {
        dependencyList[dependencyStart[task] ..< dependencyStart[task + 1]]
    }

    /// Number of distinct known dependencies of `task`.
    func dependencyCount(of task: Int) -> Int {
        dependencyStart[task + 1] - dependencyStart[task]
    }

    /// Indices that depend on task `task`.
    func dependents(of task: Int) -> ArraySlice<Int> {
        dependentList[dependentStart[task] ..< dependentStart[task + 1]]
    }

    init(tasks: [TaskSpec]) {
        count = tasks.count
        var index: [String: Int] = [:]
        index.reserveCapacity(tasks.count)
        for (position, task) in tasks.enumerated() where index[task.id] == nil {
            index[task.id] = position
        }
        var dependencyStart = [0]
        dependencyStart.reserveCapacity(tasks.count + 1)
        var dependencyList: [Int] = []
        var dependentCount = [Int](repeating: 0, count: tasks.count)
        var lastAddedBy = [Int](repeating: -1, count: tasks.count)  // dedupes a task's dependencies in O(1)
        var unknown: [(task: Int, position: Int)] = []
        for (position, task) in tasks.enumerated() {
            for (offset, id) in task.dependsOn.enumerated() {
                guard let dependency = index[id] else {
                    unknown.append((position, offset))
                    continue
                }
                guard lastAddedBy[dependency] != position else { continue }
                lastAddedBy[dependency] = position
                dependencyList.append(dependency)
                dependentCount[dependency] += 1
            }
            dependencyStart.append(dependencyList.count)
        }
        var dependentStart = [Int](repeating: 0, count: tasks.count + 1)
        for task in 0..<tasks.count { dependentStart[task + 1] = dependentStart[task] + dependentCount[task] }
        var cursor = dependentStart
        var dependentList = [Int](repeating: 0, count: dependencyList.count)
        for task in 0..<tasks.count {
            for dependency in dependencyList[dependencyStart[task] ..< dependencyStart[task + 1]] {
                dependentList[cursor[dependency]] = task
                cursor[dependency] += 1
            }
        }
        self.index = index
        self.unknownDependencies = unknown
        self.dependencyStart = dependencyStart
        self.dependencyList = dependencyList
        self.dependentStart = dependentStart
        self.dependentList = dependentList
    }
}
