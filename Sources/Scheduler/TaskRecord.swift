import Planner
import RedisKit

/// One task as the scheduler stores it: the fields the functions need, plus the full spec JSON
/// that workers decode.
public struct TaskRecord: Sendable, Equatable {
    /// Global id, `feature/task`.
    public var gid: String
    /// Task type (limits and defaults come from it).
    public var type: String
    /// Route queue: `any`, `m:<host>` or `c:<cap,cap>`.
    public var route: String
    /// Higher runs sooner (ages against waiting time).
    public var priority: Int
    /// Estimated tokens reserved from the feature budget while it runs.
    public var budget: Int
    /// Retries allowed after the task's own failures.
    public var retries: Int
    /// Global ids of dependencies.
    public var dependsOn: [String]
    /// Artifact paths it writes (directories end in `/`).
    public var artifacts: [String]
    /// The full task spec as JSON (what workers run).
    public var specJSON: String
    /// When the task should be done, ms since 1970 (nil: no deadline). Past it, the tick emits
    /// `deadline_missed` if the task has not finished; as it nears, the task ranks higher.
    public var deadlineMs: Int?
    /// The submitter's signature over `specJSON`, `gid` and the feature (``SpecSignature``);
    /// empty when unsigned.
    public var signature: String

    /// Creates a record.
    public init(gid: String, type: String, route: String = "any", priority: Int = 0, budget: Int = 0, retries: Int = 0,
                dependsOn: [String] = [], artifacts: [String] = [], specJSON: String = "{}", deadlineMs: Int? = nil,
                signature: String = "") {
        self.gid = gid
        self.type = type
        self.route = route
        self.priority = priority
        self.budget = budget
        self.retries = retries
        self.dependsOn = dependsOn
        self.artifacts = artifacts
        self.specJSON = specJSON
        self.deadlineMs = deadlineMs
        self.signature = signature
    }

    /// Why the scheduler must not store this record, or nil: the bounds of ``PlanLimits`` (ids,
    /// names, numbers) and paths that are not repo-relative. Artifacts are compared normalised.
    public var problem: String? {
        let parts = gid.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, planIDProblem(String(parts[0])) == nil, planIDProblem(String(parts[1])) == nil else {
            return "task id '\(terminalSafe(gid))' is not feature/task with letters, digits, '-', '_' and '.' (at most \(PlanLimits.idLength) each)"
        }
        if let p = planNameProblem(type, what: "task type") { return "task \(gid): \(p)" }
        if !(route == "any" || route.hasPrefix("m:") || route.hasPrefix("c:")) || route.utf8.count > 4096 {
            return "task \(gid): '\(terminalSafe(route))' is not a route"
        }
        if !PlanLimits.priority.contains(priority) { return "task \(gid): priority \(priority) is out of range \(PlanLimits.priority)" }
        if !(0...PlanLimits.budget).contains(budget) { return "task \(gid): budget \(budget) is out of range 0...\(PlanLimits.budget)" }
        if !(0...PlanLimits.retries).contains(retries) { return "task \(gid): retries \(retries) is out of range 0...\(PlanLimits.retries)" }
        for d in dependsOn where d.split(separator: "/").count != 2 || planIDProblem(String(d.split(separator: "/").last ?? "")) != nil {
            return "task \(gid): dependency '\(terminalSafe(d))' is not a task id"
        }
        for a in artifacts {
            if let p = artifactPathProblem(a) { return "task \(gid): artifact \(p)" }
        }
        if let d = deadlineMs, !PlanLimits.deadline.contains(Double(d) / 1000) {
            return "task \(gid): deadline \(d) ms is out of range (years 2000 to 9999)"
        }
        return nil
    }

    /// This record signed by `signer` as a task of `feature` (unchanged when `signer` is nil).
    public func signed(by signer: SpecSigner?, feature: String) throws(SigningError) -> TaskRecord {
        guard let signer else { return self }
        var copy = self
        copy.signature = try signer.sign(gid: gid, feature: feature, specJSON: specJSON)
        return copy
    }

    /// The route for a task's placement needs: a target machine wins, then required
    /// capabilities (sorted, so equal sets share a queue), else `any`.
    public static func route(machine: String?, requires: [String]) -> String {
        if let m = machine, !m.isEmpty { return "m:" + m }
        if requires.isEmpty { return "any" }
        return "c:" + Array(Set(requires)).sorted().joined(separator: ",")
    }
}

extension TaskRecord {
    /// This task's `submit_tasks` arguments, in the order the Lua reads them
    /// (`SubmitChecks.taskArguments` of them). For callers that add tasks to a feature in
    /// their own calls, such as the latency benchmark.
    public var submitArguments: [any RedisArgument] {
        let fields: [any RedisArgument] = [gid, type, route, priority, budget, retries,
                                           dependsOn.joined(separator: ","), artifacts.joined(separator: "\n"), specJSON,
                                           deadlineMs.map(String.init) ?? "", signature]
        assert(fields.count == SubmitChecks.taskArguments)
        return fields
    }
}
