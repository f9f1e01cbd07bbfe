import Foundation
import Planner
import RedisKit
import Scheduler
import SwarmSupport

/// Builders of benchmark task records and a completion wait.
enum NoopTasks {
    /// The canonical spec JSON of a task, split around its id and feature so millions of
    /// records cost string concatenation, not JSON encoding.
    private struct Template {
        let parts: [String]
        init(type: String, executor: ExecutorSpec, budget: Int) {
            let spec = TaskSpec(id: "@@ID@@", feature: "@@FEATURE@@", type: type, title: "", executor: executor, budget: budget)
            let json = String(decoding: spec.encodedJSON(), as: UTF8.self)
            parts = json.components(separatedBy: "@@")
        }
        func render(id: String, feature: String) -> String {
            var s = ""
            for p in parts {
                switch p {
                case "ID": s += id
                case "FEATURE": s += feature
                default: s += p
                }
            }
            return s
        }
    }

    private static let noop = Template(type: "noop", executor: .noop, budget: 0)

    /// A no-op task `feature/id` (route `any`, no artifacts unless given).
    static func record(feature: String, id: String, type: String = "noop", dependsOn: [String] = [],
                       artifacts: [String] = [], budget: Int = 0) -> TaskRecord {
        let json = type == "noop" && budget == 0
            ? noop.render(id: id, feature: feature)
            : Template(type: type, executor: .noop, budget: budget).render(id: id, feature: feature)
        return TaskRecord(gid: "\(feature)/\(id)", type: type, budget: budget, dependsOn: dependsOn,
                          artifacts: artifacts, specJSON: json)
    }

    /// `count` independent no-op tasks `feature/t<i>`.
    static func independent(feature: String, count: Int) -> [TaskRecord] {
        (0..<count).map { record(feature: feature, id: "t\($0)") }
    }

    /// A `sleep` task (for the recovery scenario).
    static func sleeper(feature: String, id: String, seconds: Double) -> TaskRecord {
        let spec = TaskSpec(id: id, feature: feature, type: "sleep", executor: .sleep(seconds: seconds))
        return TaskRecord(gid: spec.globalID, type: "sleep", specJSON: String(decoding: spec.encodedJSON(), as: UTF8.self))
    }

    /// Blocks until feature `feature` has no task left to finish, polling every `interval`
    /// seconds; returns the number of polls (so command counts can leave them out).
    @discardableResult
    static func waitForFeature(_ redis: RedisConnection, keys: Keys, feature: String, timeout: Double,
                               interval: Double = 0.0005) throws -> Int {
        let deadline = Monotonic.now() + timeout
        var polls = 0
        while true {
            polls += 1
            let v = try redis.send("HGET", keys.feature(feature), "remaining")
            if v.int == 0 { return polls }
            if Monotonic.now() > deadline {
                let counts = (try? redis.send("HGETALL", keys.stats).fieldMap.compactMapValues(\.string)) ?? [:]
                throw BenchError.timeout("feature \(feature) not done after \(timeout) s (remaining \(v), states \(counts))")
            }
            sleepSeconds(interval)
        }
    }
}
