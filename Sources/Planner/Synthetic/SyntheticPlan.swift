import SwarmSupport
/// Generators of large, deterministic plan texts for benchmarks and property tests.
public enum SyntheticPlan {
    /// A layered DAG of `noop` tasks as plan text: `layers` layers of `width` tasks; every task
    /// after the first layer depends on `parents` distinct random tasks of the layer before it,
    /// and writes one artifact of its own (`out/<id>`), so the overlap check runs but finds nothing.
    ///
    /// Task ids are `t<layer>_<index>`. The same arguments always give the same text.
    ///
    /// - Parameters:
    ///   - parents: dependencies per task, at most `width`.
    ///   - format: YAML (block style) or JSON.
    public static func layered(layers: Int, width: Int, parents: Int, seed: UInt64,
                               format: PlanFileFormat = .yaml) -> String {
        var random = SplitMix64(seed: seed)
        let parents = max(0, min(parents, width))
        var text = ""
        text.reserveCapacity(layers * width * (format == .yaml ? 90 : 80))
        switch format {
        case .yaml:
            text += "feature: synthetic-\(layers)x\(width)\ndescription: \"synthetic layered plan, seed \(seed)\"\nbudget: 0\ntasks:\n"
        case .json:
            text += "{\"feature\": \"synthetic-\(layers)x\(width)\", \"description\": \"synthetic layered plan, seed \(seed)\", \"budget\": 0, \"tasks\": [\n"
        }
        var first = true
        for layer in 0..<max(0, layers) {
            for index in 0..<max(0, width) {
                let id = "t\(layer)_\(index)"
                var dependencies: [String] = []
                if layer > 0 {
                    for parent in distinctIndices(parents, below: width, using: &random) {
                        dependencies.append("t\(layer - 1)_\(parent)")
                    }
                }
                switch format {
                case .yaml:
                    text += "  - id: \(id)\n    type: noop\n    executor: noop\n    artifacts: [out/\(id)]\n"
                    if !dependencies.isEmpty { text += "    depends_on: [\(dependencies.joined(separator: ", "))]\n" }
                case .json:
                    text += first ? "  " : ",\n  "
                    text += "{\"id\": \"\(id)\", \"type\": \"noop\", \"executor\": \"noop\", \"artifacts\": [\"out/\(id)\"]"
                    if !dependencies.isEmpty {
                        text += ", \"depends_on\": [" + dependencies.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
                    }
                    text += "}"
                }
                first = false
            }
        }
        if format == .json { text += "\n]}\n" }
        return text
    }

    /// `count` distinct numbers in `0..<bound`, in ascending order.
    static func distinctIndices(_ count: Int, below bound: Int, using random: inout SplitMix64) -> [Int] {
        var chosen: [Int] = []
        chosen.reserveCapacity(count)
        while chosen.count < count {
            let candidate = Int(random.next() % UInt64(bound))
            if !chosen.contains(candidate) { chosen.append(candidate) }
        }
        return chosen.sorted()
    }
}
