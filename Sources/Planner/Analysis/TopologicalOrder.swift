/// Kahn's algorithm over a ``TaskGraph``: the order in which tasks can run, and each task's
/// layer (the length of the longest dependency chain leading to it; roots are layer 0).
struct TopologicalOrder {
    /// Task indices, every task after all of its dependencies. Shorter than the graph when it
    /// has cycles: the tasks on or behind a cycle are missing.
    let order: [Int]
    /// `layer[i]` for tasks in `order`; -1 for tasks on or behind a cycle.
    let layer: [Int]

    /// Whether every task could be ordered (no cycles).
    var isComplete: Bool { order.count == layer.count }

    init(_ graph: TaskGraph) {
        var remaining = (0..<graph.count).map { graph.dependencyCount(of: $0) }
        var layer = [Int](repeating: -1, count: graph.count)
        var earliest = [Int](repeating: 0, count: graph.count)  // layer so far, final once ordered
        var order: [Int] = []
        order.reserveCapacity(graph.count)
        for task in 0..<graph.count where remaining[task] == 0 {
            order.append(task)
            layer[task] = 0
        }
        var next = 0
        while next < order.count {
            let task = order[next]
            next += 1
            for dependent in graph.dependents(of: task) {
                earliest[dependent] = max(earliest[dependent], layer[task] + 1)
                remaining[dependent] -= 1
                if remaining[dependent] == 0 {
                    order.append(dependent)
                    layer[dependent] = earliest[dependent]
                }
            }
        }
        self.order = order
        self.layer = layer
    }
}
