import RedisKit
@testable import Scheduler
import SwarmTestSupport
import XCTest

/// A scheduler client on a wiped test Redis, with settings fit for fast tests.
func freshScheduler(_ tweak: (inout SchedulerSettings) -> Void = { _ in }) throws -> SchedulerClient {
    let redis = try TestRedis.fresh()
    let client = try SchedulerClient(redis: redis, namespace: "test")
    var s = SchedulerSettings()
    s.retryBase = 0.01
    s.retryMax = 0.05
    tweak(&s)
    try client.configure(s)
    return client
}

/// Another client on the same namespace (its own connection), e.g. for a second worker thread.
func secondClient() throws -> SchedulerClient {
    try SchedulerClient(redis: RedisConnection(url: TestRedis.server.url), namespace: "test")
}

extension SchedulerClient {
    /// Submits tasks as feature `f` with a generous budget unless given.
    @discardableResult
    func submitTasks(_ tasks: [TaskRecord], feature: String = "f", budget: Int = 0) throws -> SubmitResult {
        try submit(feature: feature, description: "test", budget: budget, idempotencyKey: feature + "-key", tasks: tasks)
    }

    /// Events of the stream as dictionaries, oldest first.
    func allEvents() throws -> [[String: String]] {
        let v = try redis.send("XRANGE", keys.events, "-", "+")
        return (v.array ?? []).map { entry in
            var d = entry.array?[1].fieldMap.compactMapValues(\.string) ?? [:]
            d["id"] = entry.array?[0].string
            return d
        }
    }
}
