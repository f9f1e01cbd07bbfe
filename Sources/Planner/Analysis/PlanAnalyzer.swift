/// Builds the public ``PlanAnalysis`` of an acyclic plan from the graph analyses.
enum PlanAnalyzer {
    static func analyze(_ feature: Feature, graph: TaskGraph, order: TopologicalOrder, config: SwarmConfig) -> PlanAnalysis {
        let tasks = feature.tasks
        let depth = (order.layer.max() ?? -1) + 1
        var layers = [[String]](repeating: [], count: depth)
        for task in 0..<graph.count { layers[order.layer[task]].append(tasks[task].id) }  // file order within a layer
        let durations = tasks.map { config.taskTypes[$0.type]?.estimatedSeconds ?? TaskTypeConfig().estimatedSeconds }
        let critical = CriticalPath(graph, order: order, duration: durations)
        return PlanAnalysis(order: order.order.map { tasks[$0].id },
                            layers: layers,
                            criticalPath: critical.tasks.map { tasks[$0].id },
                            criticalPathSeconds: critical.seconds,
                            totalTokens: totalTokens(tasks),
                            budget: feature.budget)
    }

    /// The sum of the task budgets, `Int.max` when it overflows (checked, never wrapping: two
    /// tasks of `Int.max` tokens must not add up to -2).
    static func totalTokens(_ tasks: [TaskSpec]) -> Int {
        var total = 0
        for task in tasks {
            let (sum, overflow) = total.addingReportingOverflow(max(task.budget, 0))
            if overflow { return Int.max }
            total = sum
        }
        return total
    }
}
