import Foundation
import Planner
import RedisKit

/// A feature's git repository as the submitter prepared it: recorded on the feature and signed
/// into every task's spec, so workers learn it with the claim.
public struct FeatureRepository: Sendable, Equatable {
    /// What git fetches: an absolute local path or a URL (`file://`, ssh, https).
    public var url: String
    /// The integration branch's commit when the feature was submitted.
    public var baseCommit: String
    /// The branch merged work lands on, such as `swarm/login`.
    public var integrationBranch: String
    /// Argument vectors run on the integration branch after each merge.
    public var integrationTests: [[String]]

    /// Creates a record.
    public init(url: String, baseCommit: String, integrationBranch: String, integrationTests: [[String]] = []) {
        self.url = url
        self.baseCommit = baseCommit
        self.integrationBranch = integrationBranch
        self.integrationTests = integrationTests
    }

    /// The optional tail of `submit_feature`'s arguments.
    var submitArguments: [any RedisArgument] {
        let tests = integrationTests.isEmpty ? "" : String(decoding: (try? stableJSONEncoder().encode(integrationTests)) ?? .init(), as: UTF8.self)
        return [url, baseCommit, integrationBranch, tests]
    }
}

/// A task's committed work: the branch the worker pushed and its commit.
public struct TaskBranch: Sendable, Equatable {
    /// Branch name, such as `swarm-task/login/api`.
    public var name: String
    /// Commit id (hex) the branch points at.
    public var commit: String

    /// Creates a value.
    public init(name: String, commit: String) {
        self.name = name
        self.commit = commit
    }
}

/// The head of a feature's merge queue, handed to the worker holding the queue's lock.
public struct MergeItem: Sendable, Equatable {
    /// The task (its signed spec names the repository, branches and integration tests).
    public var task: StartedTask
    /// The task's pushed branch and commit.
    public var branch: TaskBranch
}

/// What `merge_next` answered.
public enum MergeClaim: Sendable, Equatable {
    /// The lock is ours; merge this task next.
    case item(MergeItem)
    /// Another merger holds the feature's lock (its token).
    case busy(holder: String)
    /// Nothing left to merge; the lock was released.
    case empty
    /// A failed integration test stopped the feature's merges until a person resolves it.
    case stopped(reason: String)
}

/// How a task's branch reached the integration branch.
public enum MergeMethod: String, Sendable {
    /// The integration branch moved forward to the task's commit.
    case fastForward = "fast-forward"
    /// A merge commit joins the integration head (first parent) and the task's commit.
    case mergeCommit = "merge-commit"
    /// The task's commit was already on the integration branch (an earlier merger pushed it
    /// and died before reporting).
    case already
}

extension SchedulerClient {
    /// Takes (or renews) the lock of `feature`'s merge queue for `leaseMs` and returns its head.
    public func mergeNext(feature: String, lockToken: String, worker: String, leaseMs: Int) throws(SchedulerError) -> MergeClaim {
        let r = try FunctionReply(call("merge_next", [feature, lockToken, worker, leaseMs]), from: "merge_next")
        if try r.int("claimed") == 1 {
            let task = StartedTask(gid: try r.string("gid"), token: 0, attempt: try r.int("attempt"), specJSON: try r.string("spec"),
                                   signature: try r.string("sig"), feature: try r.string("feature"))
            return .item(MergeItem(task: task, branch: TaskBranch(name: try r.string("branch"), commit: try r.string("commit"))))
        }
        switch try r.string("status") {
        case "busy": return .busy(holder: try r.string("holder"))
        case "stopped": return .stopped(reason: try r.string("reason"))
        default: return .empty
        }
    }

    /// The head task's branch is on the integration branch at `commit`: it succeeds, its locks
    /// are released and its dependents admitted. Throws `stale` when the lock was lost.
    public func merged(_ gid: String, lockToken: String, commit: String, method: MergeMethod, worker: String) throws(SchedulerError) {
        try settleMerge("merged", [gid, lockToken, commit, method.rawValue, worker], gid: gid)
    }

    /// The head task's branch conflicts with the integration branch: it goes to `needs_human`
    /// naming `files`; its branch stays for a person.
    public func mergeConflict(_ gid: String, lockToken: String, files: [String], reason: String, worker: String) throws(SchedulerError) {
        try settleMerge("merge_conflict", [gid, lockToken, files.joined(separator: "\n"), reason, worker], gid: gid)
    }

    /// The integration tests failed after the head task was merged at `commit`: the task goes to
    /// `needs_human`, and the feature's merges stop until a person resolves it.
    public func mergeStop(_ gid: String, lockToken: String, commit: String, reason: String, worker: String) throws(SchedulerError) {
        try settleMerge("merge_stop", [gid, lockToken, commit, reason, worker], gid: gid)
    }

    /// Extends the lock of `feature`'s queue by `leaseMs`; false when it is no longer ours.
    public func mergeRenew(feature: String, lockToken: String, leaseMs: Int) throws(SchedulerError) -> Bool {
        try call("merge_renew", [feature, lockToken, leaseMs]).int == 1
    }

    /// Gives up the lock of `feature`'s queue if it is still ours.
    public func mergeUnlock(feature: String, lockToken: String) throws(SchedulerError) {
        _ = try call("merge_unlock", [feature, lockToken])
    }

    /// Features whose merge queue waits with nobody holding its lock (a merger died, or a
    /// person resolved the task that stopped it), untouched for `quietMs`.
    public func mergeOrphans(quietMs: Int = 2000) throws(SchedulerError) -> [String] {
        (try call("merge_orphans", [quietMs]).array ?? []).compactMap(\.string)
    }

    private func settleMerge(_ function: String, _ args: [any RedisArgument], gid: String) throws(SchedulerError) {
        let r = try FunctionReply(call(function, args), from: function)
        guard try r.int("ok") == 1 else { throw .stale(task: gid, detail: try r.string("refusal")) }
    }
}
