import Foundation

/// Renders a plan as a stable JSON document (sorted keys, two-space indentation):
///
/// ```json
/// {
///   "analysis": {
///     "budget": 900000, "critical_path": ["schema", "api"], "critical_path_seconds": 1200,
///     "layers": [["schema"], ["api"]], "max_width": 1, "order": ["schema", "api"], "total_tokens": 280000
///   },
///   "feature": {"budget": 900000, "description": "...", "id": "login", "repo": "...", "tasks": [TaskSpec, ...]},
///   "warnings": [{"column": 5, "line": 12, "message": "...", "path": "tasks[3].artifacts"}]
/// }
/// ```
/// Tasks use the ``TaskSpec`` JSON form (as stored in Redis). `repo`, `line` and `column` are
/// left out when unknown. New keys may be added; existing keys keep their meaning.
public enum JSONRenderer {
    struct Document: Encodable {
        struct Analysis: Encodable {
            let order: [String]
            let layers: [[String]]
            let maxWidth: Int
            let criticalPath: [String]
            let criticalPathSeconds: Double
            let totalTokens: Int
            let budget: Int

            enum CodingKeys: String, CodingKey {
                case order, layers, budget
                case maxWidth = "max_width"
                case criticalPath = "critical_path"
                case criticalPathSeconds = "critical_path_seconds"
                case totalTokens = "total_tokens"
            }
        }

        struct Warning: Encodable {
            let line: Int?
            let column: Int?
            let path: String
            let message: String
        }

        let feature: Feature
        let analysis: Analysis
        let warnings: [Warning]
    }

    /// The JSON text, ending with a newline.
    public static func render(_ plan: Plan) -> String {
        let analysis = plan.analysis
        let document = Document(
            feature: plan.feature,
            analysis: .init(order: analysis.order, layers: analysis.layers, maxWidth: analysis.maxWidth,
                            criticalPath: analysis.criticalPath, criticalPathSeconds: analysis.criticalPathSeconds,
                            totalTokens: analysis.totalTokens, budget: analysis.budget),
            warnings: plan.warnings.map { .init(line: $0.line, column: $0.column, path: $0.path, message: $0.message) })
        // Encoding strings, numbers and arrays cannot fail.
        let data = (try? stableJSONEncoder(pretty: true).encode(document)) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
