/// Renders a plan as a readable table: one block per layer (id, type, budget, dependencies,
/// artifacts), then the token total, the critical path and the warnings.
public enum TableRenderer {
    /// The table text, ending with a newline.
    public static func render(_ plan: Plan) -> String {
        let feature = plan.feature, analysis = plan.analysis
        let tasks = Dictionary(feature.tasks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [String] = []
        let taskCount = feature.tasks.count == 1 ? "1 task" : "\(feature.tasks.count) tasks"
        let layerCount = analysis.layers.count == 1 ? "1 layer" : "\(analysis.layers.count) layers"
        lines.append("Feature \(terminalSafe(feature.id)): \(taskCount), \(layerCount), at most \(analysis.maxWidth) in parallel")
        if !feature.description.isEmpty { lines.append(terminalSafe(feature.description, multiline: true)) }

        let header = ["ID", "TYPE", "BUDGET", "DEPENDS ON", "ARTIFACTS"]
        var rows: [[String]] = []
        var layerStarts: [Int] = []
        for layer in analysis.layers {
            layerStarts.append(rows.count)
            for id in layer {
                guard let task = tasks[id] else { continue }
                rows.append([id, task.type, String(task.budget), task.dependsOn.joined(separator: ", "),
                             task.artifacts.joined(separator: ", ")].map { terminalSafe($0) })
            }
        }
        var widths = header.map(\.count)
        for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
        func format(_ row: [String]) -> String {
            var text = "  "
            for (column, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                text += column == 2 ? padding + cell : cell + (column == row.count - 1 ? "" : padding)
                if column < row.count - 1 { text += "  " }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        for (layer, start) in layerStarts.enumerated() {
            lines.append("")
            lines.append("Layer \(layer)")
            lines.append(format(header))
            let end = layer + 1 < layerStarts.count ? layerStarts[layer + 1] : rows.count
            for row in rows[start..<end] { lines.append(format(row)) }
        }
        lines.append("")
        lines.append("Tokens: \(analysis.totalTokens) of \(analysis.budget) budgeted")
        lines.append("Critical path (\(analysis.criticalPathSeconds.plain) s estimated): \(analysis.criticalPath.joined(separator: " -> "))")
        if !plan.warnings.isEmpty {
            lines.append("")
            lines.append(plan.warnings.count == 1 ? "1 warning:" : "\(plan.warnings.count) warnings:")
            lines.append(plan.warnings.listing(source: nil))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
