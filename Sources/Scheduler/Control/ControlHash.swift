import Foundation
import RedisKit

/// The `control` hash beyond the desired worker count and the draining flag (see
/// `SchedulerClient`): orchestrator liveness, kill-all, and what the CLI reads of the scheduler.
/// Every write the CLI makes to scheduler keys goes through a call here, never a raw command.
extension SchedulerClient {
    /// The `control` field that says orchestrator `instance` (host:pid) is alive.
    static func livenessField(_ instance: String) -> String { "orchestrator:" + instance }

    /// Says orchestrator `instance` runs and wants `desiredWorkers` workers.
    public func announceOrchestrator(_ instance: String, desiredWorkers: Int) throws(SchedulerError) {
        try run("HSET", keys.control, "desired_workers", desiredWorkers, Self.livenessField(instance), Date().timeIntervalSince1970)
    }

    /// Refreshes the liveness stamp of orchestrator `instance` (wall-clock seconds, compared by
    /// ``liveOrchestrators(within:)``).
    public func markOrchestratorAlive(_ instance: String) throws(SchedulerError) {
        try run("HSET", keys.control, Self.livenessField(instance), Date().timeIntervalSince1970)
    }

    /// Removes the liveness stamp of orchestrator `instance` (it is shutting down).
    public func forgetOrchestrator(_ instance: String) throws(SchedulerError) {
        try run("HDEL", keys.control, Self.livenessField(instance))
    }

    /// Orchestrators whose liveness stamp is under `seconds` old.
    public func liveOrchestrators(within seconds: Double) throws(SchedulerError) -> Int {
        let now = Date().timeIntervalSince1970
        return try control().filter { $0.key.hasPrefix("orchestrator:") && now - (Double($0.value) ?? 0) < seconds }.count
    }

    /// Asks every running orchestrator to kill its workers at once and keep none: the desired
    /// count drops to 0 and the `kill_all` generation moves on, which each `up` follows.
    public func killAllWorkers() throws(SchedulerError) {
        try run("HSET", keys.control, "desired_workers", 0)
        try run("HINCRBY", keys.control, "kill_all", 1)
    }

    /// Ids of the tasks waiting for a person, oldest first.
    public func tasksWaitingForHuman() throws(SchedulerError) -> [String] {
        (try run("ZRANGE", keys.human, 0, -1).array ?? []).compactMap(\.string)
    }

    /// The run lease the functions use, in seconds; nil when the namespace is not configured.
    public func runLeaseSeconds() throws(SchedulerError) -> Double? {
        try run("HGET", keys.config, "run_lease").string.flatMap(Double.init).map { $0 / 1000 }
    }
}
