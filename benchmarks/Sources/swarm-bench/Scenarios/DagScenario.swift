import Foundation
import RedisKit
import Scheduler

/// 3. The layered DAG shared with the Celery peer: 20 × 100 no-op tasks, each depending on 2
/// random tasks of the previous layer (seed 42), and the same rule at 20 × 1000 (20,000 tasks):
/// wall time from submit to the last success, and per-task overhead.
struct DagScenario: Scenario {
    let name = "dag"
    /// Worker processes (the Celery peer gets the same number).
    static let workers = 4

    func run(_ ctx: BenchContext, earlier: [ScenarioResult]) throws -> ScenarioResult {
        let shapes = ctx.quick ? [(5, 100)] : [(20, 100), (20, 1000)]
        var result = ScenarioResult(name: name, setup: "layered DAGs \(shapes.map { "\($0.0)×\($0.1)" }.joined(separator: ", ")), "
            + "2 random parents per task (CPython random.Random(42).sample rule of the Celery peer); \(Self.workers) worker processes; \(ctx.runs) runs")
        result.notes.append(crossCheck())
        for (layers, width) in shapes {
            let dag = LayeredDag(layers: layers, width: width, seed: 42)
            let stage = try Stage(ctx, prefix: "dag", workers: Self.workers)
            defer { stage.stop() }
            let (client, poller) = (stage.client, stage.poller)
            _ = try submitAndWait(client, poller: poller, feature: "warmup", tasks: NoopTasks.independent(feature: "warmup", count: 200))
            var wall = Sample(), perTask = Sample(), submit = Sample()
            for run in 1...ctx.runs {
                let fid = "dag\(run)"
                let t = try submitAndWait(client, poller: poller, feature: fid, tasks: dag.records(feature: fid))
                wall.add(t.wall)
                perTask.add(t.wall / Double(dag.count) * 1e6)
                submit.add(t.enqueue)
                try checkOrder(client, redis: poller, feature: fid)
                ctx.log("dag \(layers)x\(width) run \(run): \(String(format: "%.3f", t.wall)) s")
            }
            let label = "\(layers)×\(width) (\(dag.count) tasks)"
            result.metrics.append(Metric("wall time, \(label)", "s", wall, target: dag.count == 2000 ? .atMost(0.3) : nil))
            result.metrics.append(Metric("submit call, \(label)", "s", submit))
            result.metrics.append(Metric("wall per task, \(label)", "µs", perTask))
        }
        result.notes.append("Invariant 1 checked from the events stream on every run: no task started before both its parents succeeded.")
        return result
    }

    /// Compares the Swift DAG with `bench.py --dump-dag` when python3 is there (no Celery needed).
    private func crossCheck() -> String {
        let script = "benchmarks/peers/celery/bench.py"
        guard FileManager.default.fileExists(atPath: script) else { return "DAG cross-check skipped: \(script) not found" }
        let out = MachineInfo.shell(["python3", script, "--dump-dag", "--layers", "20", "--width", "100", "--seed", "42"])
        guard let data = out.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rows = obj["parents"] as? [[Int]] else { return "DAG cross-check skipped: python3 bench.py --dump-dag gave no output" }
        let mine = LayeredDag(layers: 20, width: 100, seed: 42).edgeRows
        return rows == mine ? "DAG cross-check: the 20×100 edges equal `bench.py --dump-dag` (sha256 \(String((obj["sha256"] as? String ?? "").prefix(12))))."
                            : "DAG cross-check FAILED: the Swift edges differ from bench.py --dump-dag"
    }

    /// Invariant 1 from the stream: every `running` comes after both parents' `succeeded`.
    private func checkOrder(_ client: SchedulerClient, redis: RedisConnection, feature: String) throws {
        var succeeded = Set<String>()
        var deps: [String: [String]] = [:]
        for e in try EventLog.all(redis, keys: client.keys) where e.feature == feature {
            if e.type == "running" {
                if deps[e.task] == nil {
                    deps[e.task] = (try redis.send("HGET", client.keys.task(e.task), "deps").string ?? "")
                        .split(separator: ",").map(String.init)
                }
                if let missing = deps[e.task]?.first(where: { !succeeded.contains($0) }) {
                    throw BenchError.setup("invariant 1 broken: \(e.task) ran before \(missing) succeeded")
                }
            } else if e.type == "succeeded" {
                succeeded.insert(e.task)
            }
        }
    }
}
