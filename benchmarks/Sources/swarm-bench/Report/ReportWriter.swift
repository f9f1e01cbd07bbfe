import Foundation

/// Everything one invocation measured.
struct BenchReport: Codable, Sendable {
    /// Where and when.
    var machine: MachineInfo
    /// Quick (smoke) sizes or full sizes.
    var quick: Bool
    /// Runs per figure.
    var runs: Int
    /// Scenario results in run order.
    var scenarios: [ScenarioResult]
    /// Total wall time, seconds.
    var seconds: Double
}

/// Writes a report as JSON and as the markdown of `benchmarks/RESULTS.md`.
enum ReportWriter {
    /// Writes `markdownPath` and, beside it, the same path with a `.json` extension.
    /// `analysisPath`, when it exists, is appended verbatim (hand-written analysis of misses).
    static func write(_ report: BenchReport, markdownPath: String, analysisPath: String?) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let jsonPath = (markdownPath as NSString).deletingPathExtension + ".json"
        try enc.encode(report).write(to: URL(fileURLWithPath: jsonPath))
        var md = markdown(report, jsonName: (jsonPath as NSString).lastPathComponent)
        if let a = analysisPath, let text = try? String(contentsOfFile: a, encoding: .utf8) {
            md += "\n" + text
        }
        try md.write(toFile: markdownPath, atomically: true, encoding: .utf8)
    }

    /// The markdown rendering.
    static func markdown(_ r: BenchReport, jsonName: String) -> String {
        let m = r.machine
        var s = "# Swarm benchmark results\n\n"
        s += "Written by `swarm-bench` (benchmarks/Sources/swarm-bench); machine-readable copy: `\(jsonName)`.\n\n"
        s += "| | |\n|---|---|\n"
        s += "| date | \(m.date) |\n| commit | `\(m.commit)` |\n"
        s += "| machine | \(m.cores) cores (\(m.cpu)), \(m.memoryMB) MiB, \(m.kernel) |\n"
        s += "| redis | \(m.redis) (private server started by the harness) |\n"
        s += "| command | `\(m.command)` |\n"
        s += "| load average at start | \(m.loadAverage) (the machine is shared; other work competes for the 2 cores) |\n"
        s += "| sizes | \(r.quick ? "quick (smoke test; not the recorded figures)" : "full") — each figure is the median of \(r.runs) run(s), with min and max |\n"
        s += "| total time | \(fmt(r.seconds)) s |\n\n"
        s += summary(r)
        for sc in r.scenarios { s += section(sc) }
        return s
    }

    /// One scenario's section: setup, error, figures table and notes.
    static func section(_ sc: ScenarioResult) -> String {
        var s = "## \(sc.name)\n\n\(sc.setup) (\(fmt(sc.seconds)) s)\n\n"
        if let e = sc.error { s += "**Error:** \(e)\n\n" }
        if !sc.metrics.isEmpty {
            s += "| figure | median | min | max | unit | target |\n|---|---:|---:|---:|---|---|\n"
            for x in sc.metrics {
                s += "| \(x.name) | \(fmt(x.median)) | \(fmt(x.min)) | \(fmt(x.max)) | \(x.unit) | \(targetText(x)) |\n"
            }
            s += "\n"
        }
        for n in sc.notes { s += "- \(n)\n" }
        if !sc.notes.isEmpty { s += "\n" }
        return s
    }

    private static func summary(_ r: BenchReport) -> String {
        let targeted = r.scenarios.flatMap { sc in sc.metrics.filter { $0.target != nil }.map { (sc.name, $0) } }
        guard !targeted.isEmpty else { return "" }
        var s = "## Targets (DESIGN.md)\n\n| scenario | figure | median | target |\n|---|---|---:|---|\n"
        for (name, x) in targeted { s += "| \(name) | \(x.name) | \(fmt(x.median)) \(x.unit) | \(targetText(x)) |\n" }
        return s + "\n"
    }

    private static func targetText(_ x: Metric) -> String {
        guard let t = x.target else { return "" }
        let op = t.bound == .atLeast ? "≥" : "≤"
        return "\(op) \(fmt(t.value)) — " + ((x.met ?? false) ? "met" : "**missed**")
    }

    /// A number with sensible precision.
    static func fmt(_ v: Double) -> String {
        if v.isNaN { return "–" }
        let a = abs(v)
        if a >= 1000 { return String(format: "%.0f", v) }
        if a >= 100 { return String(format: "%.1f", v) }
        if a >= 1 { return String(format: "%.2f", v) }
        if a == 0 { return "0" }
        return String(format: "%.3f", v)
    }
}
