import ArgumentParser
import Foundation
import RedisKit
import SwarmSupport

/// `swarm-bench SCENARIO|all [--quick] [--peers] [--runs N] [--output PATH]`: starts a private
/// redis-server, runs the scenarios and writes `benchmarks/RESULTS.md` (and `.json`).
struct SwarmBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarm-bench",
        abstract: "Swarm's benchmark harness: runs scenarios on a private redis-server and writes RESULTS.md + RESULTS.json.",
        discussion: "Scenarios: \(ScenarioCatalog.names.joined(separator: ", ")), or all. Build in release mode first: "
            + "swift build -c release --product swarm-bench --product orchestrator")

    @Argument(help: "Scenario to run, or `all`.")
    var scenario: String = "all"

    @Flag(help: "Small sizes (CI smoke test, seconds); never needs the Celery venv.")
    var quick = false

    @Flag(help: "Also run the Celery peer (venv in .build/peers-venv) and print Swarm/Celery ratios.")
    var peers = false

    @Option(help: "Runs per figure (default 3, or 1 with --quick).")
    var runs: Int?

    @Option(help: "Markdown output (JSON goes beside it). Default: benchmarks/RESULTS.md for a full `all`, else /tmp/swarm-bench-SCENARIO.md.")
    var output: String?

    @Option(help: "The orchestrator executable (default: next to swarm-bench).")
    var orchestrator: String?

    func validate() throws {
        guard scenario == "all" || ScenarioCatalog.names.contains(scenario) else {
            throw ValidationError("unknown scenario '\(scenario)'; choose all or one of \(ScenarioCatalog.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        let started = Monotonic.now()
        let exe = orchestrator ?? SwarmBench.siblingExecutable("orchestrator")
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw ValidationError("no orchestrator executable at \(exe); build it: swift build -c release --product orchestrator")
        }
        let runCount = max(1, runs ?? (quick ? 1 : 3))
        let ctx = try BenchContext(orchestrator: exe, quick: quick, runs: runCount)
        defer { ctx.shutdown() }
        let machine = MachineInfo.collect(redisVersion: ctx.redisVersion())
        var selected = scenario == "all" ? ScenarioCatalog.all : ScenarioCatalog.all.filter { $0.name == scenario }
        if peers && !quick && !selected.contains(where: { $0.name == "peer" }) { selected.append(PeerScenario()) }
        if quick { selected.removeAll { $0.name == "peer" } }
        var results: [ScenarioResult] = []
        for s in selected {
            ctx.log("scenario \(s.name) ...")
            let t0 = Monotonic.now()
            var r: ScenarioResult
            do {
                r = try s.run(ctx, earlier: results)
            } catch {
                r = ScenarioResult(name: s.name, setup: "")
                r.error = "\(error)"
                ctx.log("scenario \(s.name) failed: \(error)")
            }
            r.seconds = Monotonic.now() - t0
            results.append(r)
            print(ReportWriter.section(r))
        }
        let report = BenchReport(machine: machine, quick: quick, runs: runCount, scenarios: results, seconds: Monotonic.now() - started)
        let path = output ?? (scenario == "all" && !quick ? "benchmarks/RESULTS.md" : "/tmp/swarm-bench-\(scenario).md")
        let analysis = quick ? nil : (path as NSString).deletingLastPathComponent + "/ANALYSIS.md"
        try ReportWriter.write(report, markdownPath: path, analysisPath: analysis)
        ctx.log("wrote \(path) in \(String(format: "%.1f", report.seconds)) s")
        if results.contains(where: { $0.error != nil }) { throw ExitCode.failure }
    }

    /// `name` in the folder of the running executable.
    static func siblingExecutable(_ name: String) -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (me as NSString).deletingLastPathComponent + "/" + name
    }
}
