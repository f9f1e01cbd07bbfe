/// The longest chain of dependent tasks by estimated duration: the least time the feature can
/// take however many workers run it.
struct CriticalPath {
    /// Task indices from the first to the last task of the chain.
    let tasks: [Int]
    /// Sum of their estimated durations in seconds.
    let seconds: Double

    /// - Parameter duration: estimated seconds of each task by index.
    init(_ graph: TaskGraph, order: TopologicalOrder, duration: [Double]) {
        var finish = [Double](repeating: 0, count: graph.count)
        var previous = [Int](repeating: -1, count: graph.count)
        var last = -1
        for task in order.order {
            var start = 0.0, longest = -1
            for dependency in graph.dependencies(of: task) where longest < 0 || finish[dependency] > start {
                start = finish[dependency]
                longest = dependency
            }
            previous[task] = longest
            finish[task] = start + duration[task]
            if last < 0 || finish[task] > finish[last] { last = task }
        }
        var path: [Int] = []
        var current = last
        while current >= 0 {
            path.append(current)
            current = previous[current]
        }
        tasks = path.reversed()
        seconds = last >= 0 ? finish[last] : 0
    }
}
