import RedisKit
import Scheduler
import SwarmSupport
import Synchronization

/// What the parts of one worker share: the task it runs, its routes, whether its host is
/// overloaded, and when the task's lease was last renewed. The heartbeat, the claim loop, the
/// reporter and the lease fence each run on a thread of their own and meet only here.
final class WorkerState: Sendable {
    struct Fields: Sendable {
        /// The task the worker holds: running, or finished and not yet reported (its lease must
        /// be kept alive until the report lands).
        var task: StartedTask?
        /// Cancels the running task's process group; nil once the run has ended.
        var cancel: CancellationToken?
        /// The route queues the worker claims from.
        var routes: [String] = []
        /// The host is over its CPU or memory limit: claim nothing.
        var overloaded = false
        /// When the running task's lease was last renewed (monotonic time the renewing call was
        /// sent, so never later than Redis's own clock started the new lease).
        var renewed = 0.0
    }

    private let fields = Mutex(Fields())

    init() {}

    /// Runs `body` with the fields locked.
    func withLock<R: Sendable>(_ body: (inout Fields) -> R) -> R {
        fields.withLock { f in body(&f) }
    }

    /// The routes the worker claims from now.
    var routes: [String] { withLock { $0.routes } }

    /// Whether the host is overloaded.
    var overloaded: Bool { withLock { $0.overloaded } }

    /// Seconds since the running task's lease was last renewed; nil when no task runs.
    func leaseAge() -> Double? {
        withLock { s in s.task == nil || s.cancel == nil ? nil : Monotonic.now() - s.renewed }
    }

    /// Kills the running task's process group at once (no grace); returns its id, or nil when
    /// no task runs or it is being killed already.
    func killRunningTask() -> String? {
        withLock { s -> String? in
            guard let t = s.task, let c = s.cancel, !c.isHard else { return nil }
            c.cancelNow()
            return t.gid
        }
    }
}
