/// Renders a plan as a Graphviz digraph: one box per task (id and type), an edge from each
/// dependency to its dependent, the critical path in red. `dot -Tsvg plan.dot > plan.svg`.
public enum DotRenderer {
    /// The DOT text, ending with a newline.
    public static func render(_ plan: Plan) -> String {
        let critical = criticalEdges(plan)
        let onPath = Set(plan.analysis.criticalPath)
        var lines = ["digraph \(quote(plan.feature.id)) {", "  rankdir=LR;", "  node [shape=box, fontname=\"Helvetica\"];"]
        for task in plan.feature.tasks {
            let color = onPath.contains(task.id) ? ", color=red" : ""
            lines.append("  \(quote(task.id)) [label=\(quote("\(task.id)\n\(task.type)"))\(color)];")
        }
        for task in plan.feature.tasks {
            for dependency in task.dependsOn {
                let color = critical.contains("\(dependency)\u{0}\(task.id)") ? " [color=red, penwidth=2]" : ""
                lines.append("  \(quote(dependency)) -> \(quote(task.id))\(color);")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A DOT double-quoted string.
    static func quote(_ text: String) -> String {
        "\"" + terminalSafe(text, multiline: true).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}

/// Edges of the critical path as `from\0to` keys.
func criticalEdges(_ plan: Plan) -> Set<String> {
    let path = plan.analysis.criticalPath
    return Set(zip(path, path.dropFirst()).map { "\($0)\u{0}\($1)" })
}
