import Foundation
import Logging
import Planner
import RedisKit
import Scheduler
import SwarmSupport
import Synchronization
import WorkerAgent

/// `up`'s share of the merge queue: on its own thread, every second, it runs the queues nobody
/// is merging (their merger died and its lock expired, or a person resolved the task whose
/// integration tests had stopped them). The worker that queued a task gets the first chance:
/// a queue is only picked up after it has been quiet for two seconds. A queue whose merge
/// failed is tried again after a backoff.
final class MergeOrphanLoop: Sendable {
    private let url: RedisURL
    private let options: RedisOptions
    private let namespace: String
    private let runner: MergeQueueRunner
    private let logger: Logger
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    init(url: RedisURL, options: RedisOptions, namespace: String, runner: MergeQueueRunner, logger: Logger) {
        self.url = url
        self.options = options
        self.namespace = namespace
        self.runner = runner
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "swarm-merge-orphans"
        thread.start()
    }

    func stop() {
        stopped.withLock { $0 = true }
        done.wait()
    }

    private func loop() {
        defer { done.signal() }
        var client: SchedulerClient?
        var retryAt: [String: Double] = [:]
        while !stopped.withLock({ $0 }) {
            do {
                if client == nil { client = try SchedulerClient(redis: RedisConnection(url: url, options: options), namespace: namespace) }
                guard let c = client else { continue }
                for feature in try c.mergeOrphans() where (retryAt[feature] ?? 0) <= Monotonic.now() {
                    let summary = runner.run(feature: feature, client: c, renewal: { [url, options, namespace] in
                        try SchedulerClient(redis: RedisConnection(url: url, options: options), namespace: namespace)
                    })
                    retryAt[feature] = summary.error == nil ? nil : Monotonic.now() + 30
                    if summary.merged + summary.conflicts > 0 {
                        logger.info("merged \(summary.merged) task(s) of \(feature) left by a merger that stopped (\(summary.conflicts) conflict(s))")
                    }
                }
            } catch {
                client = nil
            }
            for _ in 0..<20 where !stopped.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.05) }
        }
    }
}
