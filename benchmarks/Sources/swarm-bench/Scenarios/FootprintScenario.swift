import Foundation
import RedisKit
import Scheduler
import SwarmSupport

/// 7. Footprint: idle worker RSS, spawn-to-first-claim (a task is already queued when the
/// process is spawned; the harness waits on the events stream with a blocking XREAD), and 200
/// workers spawned at once.
struct FootprintScenario: Scenario {
    let name = "footprint"

    func run(_ ctx: BenchContext, earlier: [ScenarioResult]) throws -> ScenarioResult {
        let crowd = ctx.quick ? 20 : 200
        var result = ScenarioResult(name: name, setup: "`orchestrator worker` processes (release build); \(ctx.runs) single-worker runs, then \(crowd) spawned at once")
        var rss = Sample(), firstClaim = Sample()
        for run in 1...ctx.runs {
            let ns = try ctx.freshNamespace("fp")
            let client = try ctx.client(ns)
            let fid = "fp\(run)"
            _ = try client.submit(feature: fid, description: "footprint", budget: 0, idempotencyKey: fid,
                                  tasks: [NoopTasks.record(feature: fid, id: "first")])
            let reader = EventReader(redis: try ctx.connection(), namespace: ns)
            let last = try ctx.connection().send("XREVRANGE", client.keys.events, "+", "-", "COUNT", 1).array?.first?.array?.first?.string ?? "0"
            let fleet = WorkerFleet(ctx, namespace: ns)
            defer { fleet.stopAll() }
            let w = try fleet.spawn(1)[0]
            var after = last
            var claimed: Double?
            while claimed == nil {
                let evs = try reader.follow(after: after, blockSeconds: 5)
                if evs.isEmpty { throw BenchError.timeout("the first task was not claimed within 5 s of the spawn") }
                if evs.contains(where: { $0.type == "running" }) { claimed = Monotonic.now() }
                after = evs.last?.id ?? after
            }
            firstClaim.add(((claimed ?? 0) - w.spawnedAt) * 1000)
            sleepSeconds(ctx.quick ? 0.3 : 2.5)   // idle, past its first heartbeat
            if let mb = ProcStatus.rssMB(pid: w.pid) { rss.add(mb) }
        }
        result.metrics.append(Metric("idle worker RSS", "MiB", rss, target: .atMost(15)))
        result.metrics.append(Metric("spawn → first claim", "ms", firstClaim, target: .atMost(50)))

        let ns = try ctx.freshNamespace("fp-crowd")
        let client = try ctx.client(ns)
        let fleet = WorkerFleet(ctx, namespace: ns)
        defer { fleet.stopAll(grace: 15) }
        let t0 = Monotonic.now()
        let all = try fleet.spawn(crowd)
        let spawned = Monotonic.now() - t0
        try fleet.waitRegistered(crowd, redis: ctx.connection(), timeout: 120)
        let registered = Monotonic.now() - t0
        let fid = "crowd"
        let timing = try submitAndWait(client, poller: try ctx.connection(), feature: fid,
                                       tasks: NoopTasks.independent(feature: fid, count: crowd * 5))
        sleepSeconds(0.5)
        let sizes = all.compactMap { ProcStatus.rssMB(pid: $0.pid) }
        result.metrics.append(Metric("\(crowd) workers: spawn calls", "s", single: spawned))
        result.metrics.append(Metric("\(crowd) workers: spawn → all registered", "s", single: registered))
        result.metrics.append(Metric("\(crowd) workers: \(crowd * 5) no-op tasks end to end", "tasks/s", single: Double(crowd * 5) / timing.wall))
        result.metrics.append(Metric("\(crowd) workers: RSS per worker after work", "MiB", Sample(values: sizes)))
        result.metrics.append(Metric("\(crowd) workers: RSS total", "MiB", single: sizes.reduce(0, +)))
        result.notes.append("RSS is VmRSS from /proc/PID/status (includes shared library pages each process maps). "
            + "The \(crowd)-worker row's median/min/max are over workers, not runs.")
        return result
    }
}
