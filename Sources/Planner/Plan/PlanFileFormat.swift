/// The syntax of a plan file. Both are read by the same YAML composer (JSON is YAML's flow
/// syntax), so both report problems by line and column.
public enum PlanFileFormat: String, Sendable, CaseIterable {
    /// YAML (`.yaml`, `.yml`).
    case yaml
    /// JSON (`.json`).
    case json

    /// The format implied by a file name: JSON for `.json`, YAML otherwise.
    public init(path: String) {
        self = path.lowercased().hasSuffix(".json") ? .json : .yaml
    }
}
