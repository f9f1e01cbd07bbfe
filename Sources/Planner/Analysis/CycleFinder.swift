/// Finds dependency cycles left over by ``TopologicalOrder`` and returns each as a real path.
///
/// Every task that could not be ordered has at least one dependency that could not be ordered
/// either, so following such dependencies from any of them must revisit a task: that loop is a
/// cycle. Each walk marks what it visits, so the cycles returned are disjoint and found in O(n).
enum CycleFinder {
    /// Cycles as task indices in "depends on" direction, first task repeated at the end
    /// (`[api, db, api]` = api depends on db, which depends on api). Each starts at its task
    /// that comes first in the file.
    static func cycles(in graph: TaskGraph, order: TopologicalOrder) -> [[Int]] {
        guard !order.isComplete else { return [] }
        let stuck = order.layer.map { $0 < 0 }
        var walkOf = [Int](repeating: -1, count: graph.count)  // which walk visited a task
        var cycles: [[Int]] = []
        for start in 0..<graph.count where stuck[start] && walkOf[start] < 0 {
            var path: [Int] = []
            var current = start
            var closed = true
            while walkOf[current] < 0 {
                walkOf[current] = start
                path.append(current)
                // A stuck task always has a stuck dependency; stop defensively if not.
                guard let next = graph.dependencies(of: current).first(where: { stuck[$0] }) else {
                    closed = false
                    break
                }
                current = next
            }
            guard closed, walkOf[current] == start, let loopStart = path.firstIndex(of: current) else { continue }
            var cycle = Array(path[loopStart...])
            if let first = cycle.indices.min(by: { cycle[$0] < cycle[$1] }) {
                cycle = Array(cycle[first...] + cycle[..<first])
            }
            cycles.append(cycle + [cycle[0]])
        }
        return cycles
    }
}
