import RedisKit
import Scheduler

/// 8. Scaling: cost per task from 1,000 to 100,000 independent no-op tasks (2 worker processes),
/// and Redis commands per task from `INFO commandstats` (commands run inside functions count).
struct ScalingScenario: Scenario {
    let name = "scaling"
    static let workers = 2

    func run(_ ctx: BenchContext, earlier: [ScenarioResult]) throws -> ScenarioResult {
        let sizes = ctx.quick ? [100, 1000] : [1000, 10_000, 100_000]
        var result = ScenarioResult(name: name, setup: "\(sizes.map(String.init).joined(separator: ", ")) no-op tasks, \(Self.workers) worker processes; "
            + "\(ctx.runs) runs per size (1 at 100,000); CONFIG RESETSTAT before each run");
        for n in sizes {
            let stage = try Stage(ctx, prefix: "sc", workers: Self.workers)
            defer { stage.stop() }
            let (client, poller) = (stage.client, stage.poller)
            var cost = Sample(), commands = Sample(), fcalls = Sample()
            var top: [(String, Int)] = []
            for run in 1...(n >= 100_000 ? 1 : ctx.runs) {
                let fid = "sc\(run)"
                let tasks = NoopTasks.independent(feature: fid, count: n)
                try poller.send("CONFIG", "RESETSTAT")
                let t = try submitAndWait(client, poller: poller, feature: fid, tasks: tasks, timeout: 900)
                let stats = try Self.commandStats(poller)
                let total = stats.values.reduce(0, +) - t.polls - 1   // our polls and the INFO itself
                cost.add(t.wall / Double(n) * 1e6)
                commands.add(Double(total) / Double(n))
                fcalls.add(Double(stats["fcall"] ?? 0) / Double(n))
                top = stats.sorted { $0.value > $1.value }.prefix(8).map { ($0.key, $0.value) }
                ctx.log("scaling \(n) run \(run): \(String(format: "%.1f", t.wall / Double(n) * 1e6)) µs/task")
            }
            result.metrics.append(Metric("wall per task, \(n) tasks", "µs", cost))
            result.metrics.append(Metric("Redis commands per task, \(n) tasks", "commands", commands))
            result.metrics.append(Metric("FCALLs per task, \(n) tasks", "calls", fcalls))
            if n == sizes.last {
                result.notes.append("Busiest commands at \(n) tasks (calls/task): " + top.map { "\($0.0) \(ReportWriter.fmt(Double($0.1) / Double(n)))" }.joined(separator: ", "))
            }
        }
        return result
    }

    /// `INFO commandstats` as command → calls.
    static func commandStats(_ redis: RedisConnection) throws -> [String: Int] {
        let text = try redis.send("INFO", "commandstats").string ?? ""
        var out: [String: Int] = [:]
        for line in text.split(separator: "\r\n") where line.hasPrefix("cmdstat_") {
            let name = line.dropFirst(8).prefix { $0 != ":" }
            if let r = line.range(of: "calls="), let calls = Int(line[r.upperBound...].prefix { $0.isNumber }) { out[String(name)] = calls }
        }
        return out
    }
}
