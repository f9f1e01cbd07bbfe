import Foundation
import Logging
import RedisKit
import SwarmSupport
import Synchronization

/// The scheduler loop: on its own thread (it blocks), it runs `tick` — promote due retries,
/// reap expired leases, bury silent workers, dispatch a batch — then sleeps in a blocking pop on
/// the wake list until the next timer is due or someone signals (a submit, a resolve, a control
/// change). No polling: an idle namespace costs one BLPOP per `maxSleep`.
///
/// Several loops (several orchestrators) may run on one namespace at once: every step is an
/// atomic function call, so they need no leader.
///
/// Redis going away never stops it: it retries with capped backoff (at most 2 s apart), says so
/// when Redis first fails and every ten seconds after, and says when Redis is back.
public final class SchedulerLoop: Sendable {
    private let url: RedisURL
    private let options: RedisOptions
    private let namespace: String
    private let maxSleep: Double
    private let batch: Int
    private let scan: Int
    private let stopFlag = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let logger: Logger

    /// Creates a loop; call `start()` to run it.
    public init(url: RedisURL, options: RedisOptions = RedisOptions(), namespace: String, maxSleep: Double = 1,
                batch: Int = 256, scan: Int = 1024, logger: Logger = Logger(label: "swarm.scheduler")) {
        self.url = url
        self.options = options
        self.namespace = namespace
        self.maxSleep = maxSleep
        self.batch = batch
        self.scan = scan
        self.logger = logger
    }

    /// Starts the loop on a thread of its own.
    public func start() {
        let t = Thread { [self] in run() }
        t.name = "swarm-scheduler"
        t.start()
    }

    /// Asks the loop to stop and waits until it has (at most one `maxSleep` later).
    public func stop() {
        stopFlag.store(true, ordering: .releasing)
        finished.wait()
    }

    private func run() {
        defer { finished.signal() }
        var client: SchedulerClient?
        var outage = RedisOutage(backoff: Backoff(base: 0.05, max: 2))
        while !stopFlag.load(ordering: .acquiring) {
            do {
                if client == nil {
                    client = try SchedulerClient(redis: RedisConnection(url: url, options: options), namespace: namespace)
                }
                guard let c = client else { continue }
                let r = try c.tick(batch: batch, scan: scan)
                outage.succeeded(who: "scheduler loop", address: url.address, logger: logger)
                var sleep = maxSleep
                if let next = r.nextTimerMs { sleep = min(sleep, max(Double(next) / 1000, 0.001)) }
                if r.admitted >= batch { sleep = 0.001 }  // more may be admissible right away
                _ = try c.waitForWake(seconds: sleep)
            } catch {
                let delay = outage.failed(error, who: "scheduler loop", address: url.address, logger: logger)
                client = nil
                let until = Monotonic.now() + delay
                while !stopFlag.load(ordering: .acquiring) && Monotonic.now() < until { sleepSeconds(min(0.05, until - Monotonic.now())) }
            }
        }
    }
}
