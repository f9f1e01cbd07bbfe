/// One key of a config section and how its value is read into the section. A section lists its
/// settings once — key, field, allowed values — and ``NodeReader/read(_:path:into:_:)`` does the
/// rest: unknown and duplicate keys, wrong types and out-of-range values are reported with their
/// line, and a bad value leaves the default in place.
struct ConfigSetting<Section> {
    /// The key in config.yaml.
    let key: String
    /// Reads the value at a node (its key path given for messages) into the section.
    let read: (inout Section, inout NodeReader, SourceNode, String) -> Void

    /// An integer within `range`.
    static func int(_ key: String, _ field: WritableKeyPath<Section, Int>, in range: ClosedRange<Int>) -> Self {
        Self(key: key) { section, reader, node, path in
            if let value = reader.int(node, path: path, in: range) { section[keyPath: field] = value }
        }
    }

    /// A number within `range` (defaults to 0 or more).
    static func number(_ key: String, _ field: WritableKeyPath<Section, Double>,
                       in range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude) -> Self {
        Self(key: key) { section, reader, node, path in
            if let value = reader.double(node, path: path, in: range) { section[keyPath: field] = value }
        }
    }

    /// A number greater than 0 (durations that must not be zero).
    static func positive(_ key: String, _ field: WritableKeyPath<Section, Double>) -> Self {
        Self(key: key) { section, reader, node, path in
            if let value = reader.double(node, path: path, positive: true) { section[keyPath: field] = value }
        }
    }

    /// A string; an explicit null keeps the default.
    static func string(_ key: String, _ field: WritableKeyPath<Section, String>) -> Self {
        Self(key: key) { section, reader, node, path in
            if let value = reader.string(node, path: path) { section[keyPath: field] = value }
        }
    }

    /// A string that must not be empty.
    static func nonEmpty(_ key: String, _ field: WritableKeyPath<Section, String>) -> Self {
        Self(key: key) { section, reader, node, path in
            if let value = reader.requiredString(node, path: path) { section[keyPath: field] = value }
        }
    }

    /// `true` or `false`.
    static func bool(_ key: String, _ field: WritableKeyPath<Section, Bool>) -> Self {
        Self(key: key) { section, reader, node, path in
            if let value = reader.bool(node, path: path) { section[keyPath: field] = value }
        }
    }

    /// A list of strings (one string is a list of one).
    static func strings(_ key: String, _ field: WritableKeyPath<Section, [String]>) -> Self {
        Self(key: key) { section, reader, node, path in
            if let value = reader.strings(node, path: path) { section[keyPath: field] = value }
        }
    }

    /// A value with a reader of its own (a nested section, an enum).
    static func custom(_ key: String, _ read: @escaping (inout Section, inout NodeReader, SourceNode, String) -> Void) -> Self {
        Self(key: key, read: read)
    }
}

extension NodeReader {
    /// Reads the mapping at `node` into `section`, one of `settings` per key; reports any other
    /// key. Returns the mapping's fields (for checks across keys), nil when `node` is no mapping.
    @discardableResult
    mutating func read<Section>(_ node: SourceNode, path: String, into section: inout Section,
                                _ settings: [ConfigSetting<Section>]) -> Fields? {
        guard let fields = mapping(node, path: path, allowed: settings.map(\.key)) else { return nil }
        for entry in fields.entries {
            settings.first { $0.key == entry.key }?.read(&section, &self, entry.value, "\(path).\(entry.key)")
        }
        return fields
    }
}
