import Foundation
import RedisKit

/// One task attempt's git worktree on some host, as `orchestrator workspaces` lists it: kept
/// for a person (failed, needs_human, conflicting), waiting for the merge queue, or left over
/// from a merged task. Workers write it; it is also the marker file beside the worktree.
public struct WorkspaceRecord: Sendable, Equatable, Codable {
    /// Where the attempt is in its workspace's life.
    public enum State: String, Sendable, Codable {
        /// The attempt is running in it.
        case active
        /// Succeeded and pushed; removed once the merge queue has merged it.
        case awaitingMerge = "awaiting_merge"
        /// Kept for a person until discarded (see ``WorkspaceRecord/why``).
        case kept
        /// The task's work is merged (by a later attempt, or this one's removal failed): the
        /// first to go when the host holds more than `worker.max_workspaces`.
        case merged
    }

    /// Host (worker `--host`) that holds the worktree.
    public var host: String
    /// Absolute path of the worktree on that host.
    public var path: String
    /// The branch checked out in it.
    public var branch: String
    /// Commit of the attempt's work, when it was committed.
    public var commit: String?
    /// Feature id.
    public var feature: String
    /// Task id within the feature.
    public var task: String
    /// Attempt number.
    public var attempt: Int
    /// Where it is in its life.
    public var state: State
    /// Why it is kept (the task's failure or needs_human reason), or what it waits for.
    public var why: String
    /// The repository it is a worktree of.
    public var repository: String
    /// The bare mirror (on that host) the worktree belongs to.
    public var mirror: String
    /// When the worktree was created (Unix seconds).
    public var created: Double
    /// When the record last changed (Unix seconds).
    public var updated: Double

    /// `feature/task`.
    public var gid: String { "\(feature)/\(task)" }
    /// The record's id: `feature/task#attempt` (what `orchestrator discard` takes).
    public var id: String { Self.id(gid: gid, attempt: attempt) }

    /// The id of attempt `attempt` of task `gid`.
    public static func id(gid: String, attempt: Int) -> String { "\(gid)#\(attempt)" }

    /// Creates a record.
    public init(host: String, path: String, branch: String, commit: String? = nil, feature: String, task: String,
                attempt: Int, state: State, why: String, repository: String, mirror: String,
                created: Double = Date().timeIntervalSince1970, updated: Double? = nil) {
        self.host = host
        self.path = path
        self.branch = branch
        self.commit = commit
        self.feature = feature
        self.task = task
        self.attempt = attempt
        self.state = state
        self.why = why
        self.repository = repository
        self.mirror = mirror
        self.created = created
        self.updated = updated ?? created
    }

    /// The canonical JSON.
    public func encodedJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    /// Decodes ``encodedJSON()``; nil for anything else.
    public static func decode(_ text: String) -> WorkspaceRecord? {
        try? JSONDecoder().decode(WorkspaceRecord.self, from: Data(text.utf8))
    }
}

extension Keys {
    /// Workspaces of every host: record id (`feature/task#attempt`) → ``WorkspaceRecord`` JSON.
    public var workspaces: String { prefix + "workspaces" }
    /// Record ids `orchestrator discard` asked the workers of `host` to remove.
    public func workspaceDiscards(_ host: String) -> String { prefix + "workspace_discards:" + host }
}

extension SchedulerClient {
    /// Writes (or replaces) the record of a workspace.
    public func recordWorkspace(_ record: WorkspaceRecord) throws(SchedulerError) {
        try run("HSET", keys.workspaces, record.id, record.encodedJSON())
    }

    /// Writes several records in one round trip.
    public func recordWorkspaces(_ records: [WorkspaceRecord]) throws(SchedulerError) {
        guard !records.isEmpty else { return }
        var cmd = RedisCommand("HSET", keys.workspaces)
        for r in records { cmd.append(r.id); cmd.append(r.encodedJSON()) }
        try run(cmd)
    }

    /// Forgets a workspace's record (its directory is gone).
    public func forgetWorkspace(id: String) throws(SchedulerError) {
        try run("HDEL", keys.workspaces, id)
    }

    /// One record, nil when unknown (or unreadable).
    public func workspace(id: String) throws(SchedulerError) -> WorkspaceRecord? {
        try run("HGET", keys.workspaces, id).string.flatMap(WorkspaceRecord.decode)
    }

    /// Every record (of one feature when given), oldest first.
    public func workspaces(feature: String? = nil) throws(SchedulerError) -> [WorkspaceRecord] {
        let all = try run("HGETALL", keys.workspaces).fieldMap.compactMapValues(\.string).values
            .compactMap(WorkspaceRecord.decode)
        return all.filter { feature == nil || $0.feature == feature }
            .sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    /// Asks the workers of `host` to remove workspace `id` (they notice within their sweep
    /// interval).
    public func requestWorkspaceDiscard(id: String, host: String) throws(SchedulerError) {
        try run("SADD", keys.workspaceDiscards(host), id)
    }

    /// Takes the pending discard requests of `host` (each is handed out once).
    public func takeWorkspaceDiscards(host: String, max: Int = 100) throws(SchedulerError) -> [String] {
        try run("SPOP", keys.workspaceDiscards(host), max).array?.compactMap(\.string) ?? []
    }
}
