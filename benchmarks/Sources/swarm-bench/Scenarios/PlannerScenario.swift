import Planner
import RedisKit
import SwarmSupport

/// 5. Planner: parse and check a 100,000-task layered plan (YAML and JSON), no Redis involved.
struct PlannerScenario: Scenario {
    let name = "planner"

    func run(_ ctx: BenchContext, earlier: [ScenarioResult]) throws -> ScenarioResult {
        let layers = ctx.quick ? 20 : 1000
        let n = layers * 100
        var result = ScenarioResult(name: name, setup: "SyntheticPlan.layered(\(layers) × 100, 2 parents, seed 42): "
            + "`PlanLoader().load(text:format:)` = parse + validate (ids, cycles, artifact overlaps, critical path); \(ctx.runs) runs each")
        for format in [PlanFileFormat.yaml, .json] {
            let text = SyntheticPlan.layered(layers: layers, width: 100, parents: 2, seed: 42, format: format)
            var s = Sample()
            for _ in 1...ctx.runs {
                let t0 = Monotonic.now()
                let plan = try PlanLoader().load(text: text, format: format)
                s.add(Monotonic.now() - t0)
                guard plan.feature.tasks.count == n else { throw BenchError.setup("planner loaded \(plan.feature.tasks.count) of \(n) tasks") }
            }
            result.metrics.append(Metric("load + check \(n) tasks, \(format == .yaml ? "YAML" : "JSON") (\(text.utf8.count / 1_000_000) MB)", "s", s,
                                         target: n == 100_000 ? .atMost(1) : nil))
        }
        return result
    }
}
