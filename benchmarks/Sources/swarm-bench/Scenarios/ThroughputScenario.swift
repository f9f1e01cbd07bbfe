import RedisKit
import Scheduler

/// 1. N independent no-op tasks through 1, 2, 4 and 8 real worker processes: enqueue rate
/// (the submit call) and end-to-end completion rate (submit start to last success).
struct ThroughputScenario: Scenario {
    let name = "throughput"

    func run(_ ctx: BenchContext, earlier: [ScenarioResult]) throws -> ScenarioResult {
        let n = ctx.quick ? 500 : 10_000
        let fleets = ctx.quick ? [1, 2] : [1, 2, 4, 8]
        var result = ScenarioResult(name: name, setup: "\(n) no-op tasks, no dependencies, one feature per run; "
            + "\(fleets.map(String.init).joined(separator: ", ")) `orchestrator worker` processes; scheduler loop in the harness; "
            + "\(ctx.runs) runs after a 500-task warm-up")
        for w in fleets {
            let stage = try Stage(ctx, prefix: "tp", workers: w)
            defer { stage.stop() }
            let (client, poller) = (stage.client, stage.poller)
            _ = try submitAndWait(client, poller: poller, feature: "warmup", tasks: NoopTasks.independent(feature: "warmup", count: 500))
            var enqueue = Sample(), e2e = Sample()
            for run in 1...ctx.runs {
                let fid = "run\(run)"
                let tasks = NoopTasks.independent(feature: fid, count: n)
                let t = try submitAndWait(client, poller: poller, feature: fid, tasks: tasks)
                enqueue.add(Double(n) / t.enqueue)
                e2e.add(Double(n) / t.wall)
                ctx.log("throughput: \(w) workers run \(run): \(Int(Double(n) / t.wall)) tasks/s end to end")
            }
            result.metrics.append(Metric("enqueue rate, \(w) worker(s)", "tasks/s", enqueue))
            result.metrics.append(Metric("end-to-end rate, \(w) worker(s)", "tasks/s", e2e, target: .atLeast(25_000)))
        }
        return result
    }
}
