/// Renders a plan as a Mermaid flowchart (left to right), for Markdown that renders Mermaid.
/// Nodes are named `t0`, `t1`, ... in file order and labelled with the task id and type; the
/// critical path's edges are thick (`==>`).
public enum MermaidRenderer {
    /// The Mermaid text, ending with a newline.
    public static func render(_ plan: Plan) -> String {
        let critical = criticalEdges(plan)
        var name: [String: String] = [:]
        var lines = ["flowchart LR"]
        for (index, task) in plan.feature.tasks.enumerated() {
            name[task.id] = "t\(index)"
            lines.append("  t\(index)[\"\(escape(task.id))<br/>\(escape(task.type))\"]")
        }
        for task in plan.feature.tasks {
            for dependency in task.dependsOn {
                guard let from = name[dependency], let to = name[task.id] else { continue }
                let arrow = critical.contains("\(dependency)\u{0}\(task.id)") ? "==>" : "-->"
                lines.append("  \(from) \(arrow) \(to)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text safe inside a quoted Mermaid label.
    static func escape(_ text: String) -> String {
        terminalSafe(text).replacingOccurrences(of: "\"", with: "#quot;").replacingOccurrences(of: "<", with: "#lt;")
            .replacingOccurrences(of: ">", with: "#gt;")
    }
}
