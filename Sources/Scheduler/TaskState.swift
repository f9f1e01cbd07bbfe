/// The states of a task, exactly as the Lua `transition()` helper writes them into the task
/// hash, the `stats` counters and the events stream.
///
/// This type is the one list of states: the Lua constants (`S.READY`, …) are generated from it
/// (``luaSource``), and the moves between states are listed once, in ``TaskState/moves``.
/// Adding a state is one `case` here plus its moves (and the Lua that makes them).
/// Cases are declared in the order `status` shows them.
public enum TaskState: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// Waits for dependencies that have not succeeded yet.
    case blocked
    /// May be admitted: waits in its route's ready zset.
    case ready
    /// Admitted: sits in its route queue under a dispatch lease until a worker starts it.
    case dispatched
    /// A worker runs it under a run lease and a fencing token.
    case running
    /// A repository task whose work is done: its branch waits on its feature's merge queue
    /// (artifact locks held; no lease, slot or reservation).
    case merging
    /// Failed with retries left; waits out its backoff in `delayed`.
    case retrying
    /// Parked for a person (`resolve`): acceptance tests failed, budget exhausted, spec rejected,
    /// corrupt record quarantined.
    case needsHuman = "needs_human"
    /// Done.
    case succeeded
    /// Failed for good (dead letter); a person may still resolve it.
    case failed
    /// A dependency failed for good or was cancelled; revived when that failure is resolved.
    case upstreamFailed = "upstream_failed"
    /// Cancelled by a person.
    case cancelled

    /// No move leads out of it except a person's `resolve` (and `cancel` does not apply).
    public var isFinal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: return true
        default: return false
        }
    }

    /// Moves on without a person: it waits for dependencies, a worker, its run or its backoff.
    /// `up --until-idle` waits while any task is in one of these states. Not `merging`: a merge
    /// queue stopped by failed integration tests waits for a person.
    public var isActive: Bool {
        switch self {
        case .blocked, .ready, .dispatched, .running, .retrying: return true
        default: return false
        }
    }

    /// The state as stored (`needs_human`), so interpolating a state prints what Redis holds.
    public var description: String { rawValue }

    /// The name of this state's constant in the library's Lua (`S.NEEDS_HUMAN`).
    public var luaName: String { rawValue.uppercased() }
}

extension TaskState {
    /// One allowed move of the life cycle. `from == nil` is a task's first state, set by `submit_tasks`.
    public struct Move: Sendable, Hashable {
        /// The state left; nil for a task being created.
        public var from: TaskState?
        /// The state entered.
        public var to: TaskState
        /// What makes the move (for the life-cycle diagram and the docs).
        public var why: String
    }

    /// Every move a transition may make — the one table of allowed moves. A test reads every
    /// `transition(…, from, to)` in the library's Lua and fails on a move missing here, and the
    /// life-cycle diagram in docs/ARCHITECTURE.md is generated from it.
    ///
    /// Not listed: quarantine, which parks a task with an unusable record in `needs_human` from
    /// whatever state it was in, outside `transition()` (its event carries `quarantined=1`).
    public static let moves: [Move] = [
        Move(from: nil, to: .blocked, why: "submit: dependencies unmet"),
        Move(from: nil, to: .ready, why: "submit: no unmet dependency"),
        Move(from: nil, to: .upstreamFailed, why: "submit: a dependency already failed"),
        Move(from: .blocked, to: .ready, why: "last dependency succeeded"),
        Move(from: .blocked, to: .upstreamFailed, why: "a dependency failed for good"),
        Move(from: .blocked, to: .cancelled, why: "cancel"),
        Move(from: .ready, to: .dispatched, why: "dispatch admitted it"),
        Move(from: .ready, to: .upstreamFailed, why: "a dependency failed for good"),
        Move(from: .ready, to: .cancelled, why: "cancel"),
        Move(from: .dispatched, to: .running, why: "start"),
        Move(from: .dispatched, to: .ready, why: "dispatch lease expired or worker lost (head of queue)"),
        Move(from: .dispatched, to: .failed, why: "worker lost more than max_lost times"),
        Move(from: .dispatched, to: .cancelled, why: "cancel"),
        Move(from: .running, to: .succeeded, why: "complete"),
        Move(from: .running, to: .needsHuman, why: "fail human, reject_spec, or budget exhausted at complete"),
        Move(from: .running, to: .retrying, why: "fail error, retries left"),
        Move(from: .running, to: .failed, why: "fail error with no retries left, or worker lost more than max_lost times"),
        Move(from: .running, to: .ready, why: "run lease expired or worker lost (head of queue, no retry used)"),
        Move(from: .running, to: .cancelled, why: "cancel"),
        Move(from: .running, to: .merging, why: "complete with a branch (a repository task)"),
        Move(from: .merging, to: .succeeded, why: "merged onto the integration branch"),
        Move(from: .merging, to: .needsHuman, why: "merge conflict, or integration tests failed (merge_stop)"),
        Move(from: .merging, to: .cancelled, why: "cancel"),
        Move(from: .retrying, to: .ready, why: "backoff over (tick)"),
        Move(from: .retrying, to: .cancelled, why: "cancel"),
        Move(from: .needsHuman, to: .succeeded, why: "resolve done"),
        Move(from: .needsHuman, to: .ready, why: "resolve pending"),
        Move(from: .needsHuman, to: .failed, why: "resolve failed"),
        Move(from: .needsHuman, to: .cancelled, why: "cancel"),
        Move(from: .failed, to: .succeeded, why: "resolve done"),
        Move(from: .failed, to: .ready, why: "resolve pending"),
        Move(from: .upstreamFailed, to: .ready, why: "failure resolved, no dependency unmet"),
        Move(from: .upstreamFailed, to: .blocked, why: "failure resolved, dependencies unmet"),
        Move(from: .upstreamFailed, to: .cancelled, why: "cancel"),
    ]

    /// Whether the life cycle allows moving from `from` (nil: a new task) to `to`.
    public static func allows(from: TaskState?, to: TaskState) -> Bool {
        moves.contains { $0.from == from && $0.to == to }
    }
}
