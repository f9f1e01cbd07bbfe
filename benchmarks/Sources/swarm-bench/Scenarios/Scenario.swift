import RedisKit
import Scheduler
import SwarmSupport

/// One benchmark scenario: runs against the shared private Redis and returns its figures.
protocol Scenario: Sendable {
    /// Name used on the command line and in the report.
    var name: String { get }
    /// Runs it. Throwing marks the scenario failed in the report; the others still run.
    func run(_ ctx: BenchContext, earlier: [ScenarioResult]) throws -> ScenarioResult
}

/// Timings of one submitted feature.
struct FeatureTiming {
    /// Seconds the submit call took (all chunks).
    var enqueue: Double
    /// Seconds from the start of the submit to the last task finished (as polled).
    var wall: Double
    /// Completion polls made (each is one HGET).
    var polls: Int
}

extension Scenario {
    /// Submits `tasks` as feature `feature` and waits until every one has finished.
    func submitAndWait(_ client: SchedulerClient, poller: RedisConnection, feature: String, tasks: [TaskRecord],
                       budget: Int = 0, timeout: Double = 300) throws -> FeatureTiming {
        let t0 = Monotonic.now()
        let r = try client.submit(feature: feature, description: "benchmark", budget: budget, idempotencyKey: feature, tasks: tasks)
        let t1 = Monotonic.now()
        guard r.created == tasks.count else {
            throw BenchError.setup("submit created \(r.created) of \(tasks.count) tasks (\(r.outcome))")
        }
        let polls = try NoopTasks.waitForFeature(poller, keys: client.keys, feature: feature, timeout: timeout)
        return FeatureTiming(enqueue: t1 - t0, wall: Monotonic.now() - t0, polls: polls)
    }
}
