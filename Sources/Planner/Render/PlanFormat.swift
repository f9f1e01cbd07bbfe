/// How a plan is printed.
public enum PlanFormat: String, Sendable, CaseIterable {
    /// Readable layers table, critical path and warnings (``TableRenderer``).
    case table
    /// Stable JSON document (``JSONRenderer``).
    case json
    /// Graphviz DOT (``DotRenderer``).
    case dot
    /// Mermaid flowchart (``MermaidRenderer``).
    case mermaid
}

extension Plan {
    /// The plan printed in `format`.
    public func rendered(as format: PlanFormat) -> String {
        switch format {
        case .table: return TableRenderer.render(self)
        case .json: return JSONRenderer.render(self)
        case .dot: return DotRenderer.render(self)
        case .mermaid: return MermaidRenderer.render(self)
        }
    }
}
