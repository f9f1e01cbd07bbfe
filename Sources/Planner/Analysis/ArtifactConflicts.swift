/// Pairs of tasks that may run at the same time (neither depends on the other, directly or
/// not) and whose artifacts overlap.
///
/// Artifacts are sorted by lock key (path + `/`); a key's overlapping keys are exactly the ones
/// it prefixes, which follow it contiguously, so only those neighbours are compared. Whether two
/// tasks are ordered is asked only for overlapping pairs, by a search that never descends to
/// layers at or below the earlier task's.
struct ArtifactConflicts {
    /// One conflicting pair: task indices (first < second in file order) and the paths involved.
    struct Conflict {
        let first: Int
        let second: Int
        /// Overlapping artifact paths as written: (path of first, path of second).
        var paths: [(String, String)]
        /// Index within the second task's artifacts of its first overlapping path (for its line).
        var secondArtifact: Int
    }

    /// Most overlapping pairs examined; beyond it (thousands of tasks writing one directory)
    /// the check stops and says so rather than taking quadratic time.
    static let pairLimit = 1_000_000

    /// Conflicts in file order of their tasks.
    let conflicts: [Conflict]
    /// Whether the check stopped at ``pairLimit`` before examining every overlapping pair.
    let isTruncated: Bool

    init(tasks: [TaskSpec], graph: TaskGraph, order: TopologicalOrder) {
        struct Entry {
            let key: String
            let task: Int
            let artifact: Int
        }
        var entries: [Entry] = []
        for (task, spec) in tasks.enumerated() {
            for (artifact, path) in spec.artifacts.enumerated() {
                entries.append(Entry(key: artifactLockKey(path), task: task, artifact: artifact))
            }
        }
        entries.sort { $0.key < $1.key }

        var byPair: [Int64: Conflict] = [:]
        var ordered: [Int64: Bool] = [:]
        var search = OrderSearch(graph: graph, layer: order.layer)
        var examined = 0
        scan: for i in entries.indices {
            var j = i + 1
            while j < entries.count, entries[j].key.hasPrefix(entries[i].key) {
                let a = entries[i], b = entries[j]
                j += 1
                examined += 1
                if examined > Self.pairLimit { break scan }
                guard a.task != b.task else { continue }
                let (first, second) = a.task < b.task ? (a, b) : (b, a)
                let pair = Int64(first.task) << 32 | Int64(second.task)
                let isOrdered = ordered[pair] ?? {
                    let result = search.isOrdered(first.task, second.task)
                    ordered[pair] = result
                    return result
                }()
                guard !isOrdered else { continue }
                let paths = (tasks[first.task].artifacts[first.artifact], tasks[second.task].artifacts[second.artifact])
                if byPair[pair] == nil {
                    byPair[pair] = Conflict(first: first.task, second: second.task, paths: [paths], secondArtifact: second.artifact)
                } else {
                    byPair[pair]?.paths.append(paths)
                }
            }
        }
        isTruncated = examined > Self.pairLimit
        conflicts = byPair.values.sorted { ($0.first, $0.second) < ($1.first, $1.second) }
    }
}

/// Answers "does one of two tasks (transitively) depend on the other?" with a depth-first search
/// pruned by layer: a dependency chain strictly decreases the layer.
struct OrderSearch {
    let graph: TaskGraph
    let layer: [Int]
    private var visited: [Int]
    private var stamp = 0
    private var stack: [Int] = []

    init(graph: TaskGraph, layer: [Int]) {
        self.graph = graph
        self.layer = layer
        visited = [Int](repeating: 0, count: graph.count)
    }

    /// Whether `a` depends on `b` or `b` on `a`. Tasks on cycles count as ordered (the cycle
    /// is reported instead).
    mutating func isOrdered(_ a: Int, _ b: Int) -> Bool {
        if layer[a] < 0 || layer[b] < 0 { return true }
        if layer[a] == layer[b] { return false }
        let (later, earlier) = layer[a] > layer[b] ? (a, b) : (b, a)
        return dependsOn(later, earlier)
    }

    private mutating func dependsOn(_ task: Int, _ target: Int) -> Bool {
        stamp += 1
        stack.removeAll(keepingCapacity: true)
        stack.append(task)
        visited[task] = stamp
        let floor = layer[target]
        while let current = stack.popLast() {
            for dependency in graph.dependencies(of: current) {
                if dependency == target { return true }
                if visited[dependency] != stamp, layer[dependency] > floor {
                    visited[dependency] = stamp
                    stack.append(dependency)
                }
            }
        }
        return false
    }
}
