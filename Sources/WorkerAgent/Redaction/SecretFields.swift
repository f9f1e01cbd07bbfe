extension Redactor {
    /// Paths of every string inside `value` that holds a secret (text this redactor would
    /// change), found by walking all of its stored properties, arrays, dictionaries, optionals
    /// and enum payloads: e.g. `description` or `tasks[2].executor.script.command`.
    ///
    /// Used to refuse a plan before it reaches Redis: every field of a plan is stored, so every
    /// field is checked, not a chosen few.
    public func secretFields(in value: Any, path: String = "") -> [String] {
        if let text = value as? String {
            return redact(text) == text ? [] : [path.isEmpty ? "(value)" : path]
        }
        if let text = value as? Substring {
            return secretFields(in: String(text), path: path)
        }
        let mirror = Mirror(reflecting: value)
        var found: [String] = []
        switch mirror.displayStyle {
        case .collection?, .set?:
            for (index, child) in mirror.children.enumerated() {
                found += secretFields(in: child.value, path: "\(path)[\(index)]")
            }
        case .dictionary?:
            for child in mirror.children {
                let pair = Array(Mirror(reflecting: child.value).children)
                guard pair.count == 2 else { continue }
                let key = "\(pair[0].value)"
                found += secretFields(in: pair[0].value, path: "\(path){key}")
                found += secretFields(in: pair[1].value, path: "\(path)[\(key.debugDescription)]")
            }
        case .optional?:
            if let child = mirror.children.first { found += secretFields(in: child.value, path: path) }
        default:
            for child in mirror.children {
                let name = child.label ?? "\(child.value)"
                found += secretFields(in: child.value, path: path.isEmpty ? name : "\(path).\(name)")
            }
        }
        return found
    }
}
