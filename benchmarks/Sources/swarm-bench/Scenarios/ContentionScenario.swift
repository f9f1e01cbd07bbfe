import RedisKit
import Scheduler

/// 4. Contention: tasks spread over 16 artifacts, with a feature budget that caps how many may
/// hold a reservation at once and a GCRA rate limit on their type. Reports the completion rate
/// and replays the events stream to check invariants 2–4: no two tasks on one artifact ran at
/// once, reserved + used never exceeded the budget, and admissions kept to the rate.
struct ContentionScenario: Scenario {
    let name = "contention"
    static let artifacts = 16
    static let estimate = 100
    static let budget = 1000
    static let rate = 2000.0
    static let burst = 20
    static let workers = 4

    func run(_ ctx: BenchContext, earlier: [ScenarioResult]) throws -> ScenarioResult {
        let n = ctx.quick ? 300 : 10_000
        var result = ScenarioResult(name: name, setup: "\(n) no-op tasks of type `contend` over \(Self.artifacts) artifacts (task i writes `shared/a<i mod 16>.txt`); "
            + "estimate \(Self.estimate) tokens each, feature budget \(Self.budget) (≤ \(Self.budget / Self.estimate) reservations at once); "
            + "rate limit \(Int(Self.rate))/s burst \(Self.burst); \(Self.workers) worker processes; \(ctx.runs) runs")
        var settings = BenchContext.defaultSettings
        settings.types["contend"] = .init(maxConcurrent: 0, ratePerSecond: Self.rate, burst: Self.burst)
        var rate = Sample()
        var worstWindow = 0
        for run in 1...ctx.runs {
            let stage = try Stage(ctx, prefix: "ct", workers: Self.workers, settings: settings)
            defer { stage.stop() }
            let (client, poller) = (stage.client, stage.poller)
            let fid = "ct\(run)"
            let tasks = (0..<n).map {
                NoopTasks.record(feature: fid, id: "t\($0)", type: "contend", artifacts: ["shared/a\($0 % Self.artifacts).txt"], budget: Self.estimate)
            }
            let t = try submitAndWait(client, poller: poller, feature: fid, tasks: tasks, budget: Self.budget, timeout: 600)
            rate.add(Double(n) / t.wall)
            let states = try client.stateCounts()
            guard states["succeeded"] == n else { throw BenchError.setup("not all tasks succeeded: \(states)") }
            worstWindow = max(worstWindow, try check(client, redis: poller, feature: fid, tasks: tasks))
            ctx.log("contention run \(run): \(Int(Double(n) / t.wall)) tasks/s")
        }
        result.metrics.append(Metric("completion rate", "tasks/s", rate))
        result.metrics.append(Metric("most admissions in any 1 s window", "tasks", single: Double(worstWindow)))
        result.notes.append("Invariants checked on every run from the events stream: no artifact held by two dispatched/running tasks at once; "
            + "reserved + used ≤ \(Self.budget) at every step and used ≤ budget at the end; admissions in every 1 s window ≤ burst + rate "
            + "(\(Self.burst + Int(Self.rate)); ms clock, so +1). All held.")
        return result
    }

    /// Replays the stream; throws on a broken invariant; returns the most admissions in 1 s.
    private func check(_ client: SchedulerClient, redis: RedisConnection, feature: String, tasks: [TaskRecord]) throws -> Int {
        let artifactOf = Dictionary(uniqueKeysWithValues: tasks.map { ($0.gid, $0.artifacts[0]) })
        var holder: [String: String] = [:]
        var reserved = 0
        var admissions: [Int] = []
        for e in try EventLog.all(redis, keys: client.keys) where e.feature == feature {
            guard let a = artifactOf[e.task] else { continue }
            switch e.type {
            case "dispatched":
                if let h = holder[a] { throw BenchError.setup("invariant 2 broken: \(e.task) admitted while \(h) holds \(a)") }
                holder[a] = e.task
                reserved += Self.estimate
                if reserved > Self.budget { throw BenchError.setup("invariant 3 broken: \(reserved) reserved of \(Self.budget)") }
                admissions.append(e.ts)
            case "succeeded", "failed", "ready", "needs_human":
                if holder[a] == e.task {
                    holder[a] = nil
                    reserved -= Self.estimate
                }
            default: break
            }
        }
        let b = try redis.send("HMGET", client.keys.budget(feature), "used", "reserved").array ?? []
        if (b.first?.int ?? 0) > Self.budget { throw BenchError.setup("invariant 3 broken: used \(b[0]) of \(Self.budget)") }
        var worst = 0, lo = 0
        for hi in admissions.indices {
            while admissions[hi] - admissions[lo] >= 1000 { lo += 1 }
            worst = max(worst, hi - lo + 1)
        }
        if worst > Self.burst + Int(Self.rate) + 1 { throw BenchError.setup("invariant 4 broken: \(worst) admissions within 1 s") }
        return worst
    }
}
