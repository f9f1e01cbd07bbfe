import Foundation
import RedisKit
import SwarmSupport

/// 9. The Celery peer on the same machine and the same redis-server (over TCP): throughput and
/// the same DAG, with Swarm/Celery ratios against this run's Swarm figures.
struct PeerScenario: Scenario {
    let name = "peer"
    static let venv = ".build/peers-venv"
    static let dir = "benchmarks/peers/celery"

    func run(_ ctx: BenchContext, earlier: [ScenarioResult]) throws -> ScenarioResult {
        let workers = DagScenario.workers
        var result = ScenarioResult(name: name, setup: "Celery 5 (\(Self.dir)/bench.py) with \(workers) worker processes "
            + "(prefork, concurrency 1) on the harness's redis-server; throughput 10,000 no-ops and the 20×100 DAG (seed 42)")
        ctx.log("peer: setting up the Celery venv in \(Self.venv) ...")
        let setup = Self.runProcess(["timeout", "240", Self.dir + "/setup.sh", Self.venv],
                                    env: ["PIP_DEFAULT_TIMEOUT": "15", "PIP_RETRIES": "1"])
        guard setup.status == 0 else {
            let tail = setup.stderr.split(separator: "\n").suffix(3).joined(separator: " / ")
            result.notes.append("The Celery venv could not be created (`\(Self.dir)/setup.sh \(Self.venv)` exited \(setup.status): \(tail)); "
                + "no peer figures in this run. Swarm's figures above stand on their own.")
            return result
        }
        guard let port = ctx.server.configuration.port else { throw BenchError.setup("the private redis-server has no TCP port") }
        let url = "redis://127.0.0.1:\(port)/0"
        let python = Self.venv + "/bin/python"
        var peer: [String: Double] = [:]
        for (scenario, extra) in [("throughput", ["--tasks", "10000"]), ("dag", ["--layers", "20", "--width", "100", "--seed", "42"])] {
            var s = Sample()
            for _ in 1...ctx.runs {
                _ = try ctx.freshNamespace("peer")
                let r = Self.runProcess([python, Self.dir + "/bench.py", "--redis-url", url, "--scenario", scenario,
                                         "--workers", String(workers), "--json"] + extra)
                guard let obj = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
                      obj["error"] == nil, let v = obj[scenario == "dag" ? "wall_seconds" : "tasks_per_second"] as? Double else {
                    throw BenchError.setup("bench.py --scenario \(scenario) failed: \(r.stdout) \(r.stderr.suffix(500))")
                }
                s.add(v)
            }
            peer[scenario] = s.median
            result.metrics.append(Metric(scenario == "dag" ? "Celery DAG 20×100 wall" : "Celery throughput, \(workers) workers",
                                         scenario == "dag" ? "s" : "tasks/s", s))
        }
        let swarmTP = earlier.first { $0.name == "throughput" }?.metrics.first { $0.name == "end-to-end rate, \(workers) worker(s)" }?.median
        let swarmDag = earlier.first { $0.name == "dag" }?.metrics.first { $0.name.hasPrefix("wall time, 20×100") }?.median
        if let a = swarmTP, let b = peer["throughput"] {
            result.metrics.append(Metric("Swarm/Celery throughput ratio (\(workers) workers)", "×", single: a / b, target: .atLeast(5)))
        }
        if let a = swarmDag, let b = peer["dag"] {
            result.metrics.append(Metric("Celery/Swarm DAG wall ratio (Swarm speed-up)", "×", single: b / a, target: .atLeast(5)))
        }
        if swarmTP == nil || swarmDag == nil { result.notes.append("Ratios need the throughput and dag scenarios in the same run.") }
        return result
    }

    /// Runs a command to completion (at most 20 minutes); returns exit status, stdout and stderr.
    static func runProcess(_ args: [String], env: [String: String] = [:]) -> (status: Int32, stdout: String, stderr: String) {
        let environment = ProcessInfo.processInfo.environment.merging(env) { $1 }.map { "\($0.key)=\($0.value)" }
        do {
            let run = try ChildProcess.run(args, environment: environment, timeout: 1200)
            return (run.status ?? -1, run.stdout, run.stderr)
        } catch {
            return (-1, "", "cannot start \(args.first ?? ""): \(error)")
        }
    }
}
