import Foundation

/// Finds the JSON plan in an agent's output: the `result` text of a JSON envelope (as printed by
/// `claude --output-format json`), a fenced ```json block, or the outermost `{...}`.
enum PlanExtraction {
    static func planText(in output: String) -> String? {
        let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
        if let data = trimmed.data(using: .utf8),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            if object["tasks"] != nil { return trimmed }
            for key in ["result", "response", "output", "text"] {
                if let inner = object[key] as? String, let text = planText(in: inner) { return text }
            }
        }
        if let fence = trimmed.range(of: "```json") ?? trimmed.range(of: "```"),
           let end = trimmed.range(of: "```", range: fence.upperBound..<trimmed.endIndex) {
            return String(trimmed[fence.upperBound..<end.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let open = trimmed.firstIndex(of: "{"), let close = trimmed.lastIndex(of: "}"), open < close else { return nil }
        return String(trimmed[open...close])
    }
}
