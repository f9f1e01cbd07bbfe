import Foundation
import RedisKit
import SwarmSupport
import Synchronization

/// Self-fencing of a worker cut off from Redis: once its task's lease has gone unrenewed for
/// three quarters of the run lease, the task's process group is killed, so it is dead before
/// the scheduler can see the lease expire and give the task to another worker.
///
/// It runs on a thread of its own: the heartbeat thread may sit in a Redis call that hangs.
/// The quarter of margin covers the kill itself (SIGKILL, no grace) and the time between the
/// renewing call's send (what the worker measures from) and Redis's clock starting the lease.
final class LeaseFence: Sendable {
    private let lease: Double
    private let check: @Sendable () -> Double?
    private let kill: @Sendable (Double) -> Void
    private let stopped = Mutex(false)

    /// `check` returns the age of the current lease (nil: no task), `kill` kills the task.
    init(lease: Double, check: @escaping @Sendable () -> Double?, kill: @escaping @Sendable (Double) -> Void) {
        self.lease = lease
        self.check = check
        self.kill = kill
    }

    /// Seconds without renewal after which the task is killed.
    var limit: Double { lease * 0.75 }

    func start() {
        let thread = Thread { [self] in
            while !stopped.withLock({ $0 }) {
                if let age = check(), age > limit { kill(age) }
                sleepSeconds(min(0.05, limit / 10))
            }
        }
        thread.name = "swarm-lease-fence"
        thread.start()
    }

    func stop() { stopped.withLock { $0 = true } }
}
