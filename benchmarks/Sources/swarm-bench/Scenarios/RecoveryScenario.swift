import Foundation
import RedisKit
import Scheduler
import SwarmSupport

/// 6. Recovery: kill -9 the worker process running a `sleep` task, report the death the way the
/// supervisor does (`requeue_worker` as soon as `waitpid` returns), and time until the task runs
/// again on the other, idle worker.
struct RecoveryScenario: Scenario {
    let name = "recovery"

    func run(_ ctx: BenchContext, earlier: [ScenarioResult]) throws -> ScenarioResult {
        var result = ScenarioResult(name: name, setup: "2 worker processes, one 5 s `sleep` task; SIGKILL its worker, waitpid, "
            + "`SchedulerClient.requeueWorker` (as Supervisor.reapLoop does); \(ctx.runs) runs, fresh workers each")
        var polled = Sample(), events = Sample()
        for run in 1...ctx.runs {
            let ns = try ctx.freshNamespace("rec")
            let client = try ctx.client(ns)
            let redis = try ctx.connection()
            let fleet = WorkerFleet(ctx, namespace: ns)
            defer { fleet.stopAll(grace: 0) }
            try fleet.spawn(2)
            try fleet.waitRegistered(2, redis: redis)
            let fid = "rec\(run)"
            let task = NoopTasks.sleeper(feature: fid, id: "nap", seconds: 5)
            _ = try client.submit(feature: fid, description: "recovery", budget: 0, idempotencyKey: fid, tasks: [task])
            let first = try waitRunning(client, redis: redis, gid: task.gid, attempt: "1")
            guard let victim = fleet.workers.first(where: { $0.id == first }) else { throw BenchError.setup("task runs on unknown worker \(first)") }
            let killedAtMs = Int(Date().timeIntervalSince1970 * 1000)
            let t0 = Monotonic.now()
            fleet.kill(victim)
            try client.requeueWorker(victim.id, reason: "was killed by signal 9")
            let second = try waitRunning(client, redis: redis, gid: task.gid, attempt: "2")
            polled.add((Monotonic.now() - t0) * 1000)
            guard second != victim.id else { throw BenchError.setup("the task ran again on the dead worker") }
            let ev = try EventLog.all(redis, keys: client.keys).last { $0.type == "running" && $0.task == task.gid }
            events.add(Double((ev?.ts ?? killedAtMs) - killedAtMs))
            ctx.log("recovery run \(run): \(String(format: "%.2f", polled.values.last ?? 0)) ms")
        }
        result.metrics.append(Metric("kill → running again (harness clock)", "ms", polled, target: .atMost(500)))
        result.metrics.append(Metric("kill → running event (wall clock, ms resolution)", "ms", events))
        result.notes.append("The harness polls the task hash every 0.1 ms after the kill. Without the supervisor's requeue the task would wait "
            + "for its run lease (15 s) or the worker TTL (15 s) to expire.")
        return result
    }

    /// Polls until `gid` runs at `attempt`; returns its worker id.
    private func waitRunning(_ client: SchedulerClient, redis: RedisConnection, gid: String, attempt: String, timeout: Double = 10) throws -> String {
        let deadline = Monotonic.now() + timeout
        while Monotonic.now() < deadline {
            let v = try redis.send("HMGET", client.keys.task(gid), "state", "attempt", "worker").array ?? []
            if v.count == 3, v[0].string == "running", v[1].string == attempt, let w = v[2].string { return w }
            sleepSeconds(0.0001)
        }
        throw BenchError.timeout("\(gid) not running at attempt \(attempt) after \(timeout) s")
    }
}
