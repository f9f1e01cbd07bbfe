import Foundation

/// A task's latest known state in the ledger.
public struct LedgerTask: Sendable, Codable, Equatable {
    /// Global id.
    public var gid: String
    /// Feature id.
    public var feature: String
    /// Latest state.
    public var state: String
    /// Attempt of the latest dispatch.
    public var attempt: Int
    /// Worker of the latest start.
    public var worker: String
    /// Latest reason (failure, deferral, resolution).
    public var reason: String
    /// Tokens reported.
    public var usage: Int
    /// Time of the latest event, ms since the epoch.
    public var updated: Int
}

/// The durable history: every event of the stream, keyed by stream id, plus a per-task
/// projection of the latest state. SQLite in WAL mode. Writing the same event twice is a no-op,
/// so the ledger writer can replay unacknowledged entries after a crash.
public final class Ledger {
    private let db: SQLiteDatabase

    /// The ledger file of `namespace` given the configured `base` path: the base itself for the
    /// `default` namespace, `name.<namespace>.ext` beside it for any other, so two namespaces
    /// never share rows (task ids and stream ids repeat across namespaces).
    public static func path(base: String, namespace: String) -> String {
        guard namespace != "default" else { return base }
        let url = URL(fileURLWithPath: base)
        let ext = url.pathExtension
        let stem = url.deletingPathExtension().path
        return ext.isEmpty ? "\(stem).\(namespace)" : "\(stem).\(namespace).\(ext)"
    }

    /// Opens (creating if needed) the ledger file. With `namespace`, the file is marked as that
    /// namespace's on first use, and opening it for another namespace is refused.
    public init(path: String, namespace: String? = nil) throws(LedgerError) {
        db = try SQLiteDatabase(path: path)
        try db.exec("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS events (
              stream_id TEXT PRIMARY KEY, type TEXT NOT NULL, task TEXT NOT NULL, feature TEXT NOT NULL,
              ts INTEGER NOT NULL, data TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS events_task ON events(task);
            CREATE TABLE IF NOT EXISTS tasks (
              gid TEXT PRIMARY KEY, feature TEXT NOT NULL, state TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 0,
              worker TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '', usage INTEGER NOT NULL DEFAULT 0,
              updated INTEGER NOT NULL, last_event TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS tasks_state ON tasks(state);
            CREATE TABLE IF NOT EXISTS features (
              id TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '', tasks INTEGER NOT NULL DEFAULT 0,
              budget INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'running', created INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """)
        guard let namespace else { return }
        try db.query("INSERT OR IGNORE INTO meta(key, value) VALUES ('namespace', ?)", [.text(namespace)])
        let owner = try db.query("SELECT value FROM meta WHERE key = 'namespace'").first?[0] ?? namespace
        if owner != namespace { throw .otherNamespace(path: path, owner: owner, wanted: namespace) }
    }

    /// Records events in one transaction; already recorded ids are skipped. Returns how many were new.
    @discardableResult
    public func record(_ events: [SwarmEvent]) throws(LedgerError) -> Int {
        guard !events.isEmpty else { return 0 }
        try db.exec("BEGIN IMMEDIATE")
        var added = 0
        do {
            for e in events {
                let exists = try db.query("SELECT 1 FROM events WHERE stream_id = ?", [.text(e.id)])
                if !exists.isEmpty { continue }
                added += 1
                try db.query("INSERT INTO events(stream_id, type, task, feature, ts, data) VALUES (?,?,?,?,?,?)",
                             [.text(e.id), .text(e.type), .text(e.task), .text(e.feature), .int(e.ts), .text(e.jsonLine)])
                try project(e)
            }
            try db.exec("COMMIT")
        } catch {
            try? db.exec("ROLLBACK")
            throw error
        }
        return added
    }

    private func project(_ e: SwarmEvent) throws(LedgerError) {
        if e.type == "feature_submitted" {
            try db.query("INSERT OR IGNORE INTO features(id, description, tasks, budget, created) VALUES (?,?,?,?,?)",
                         [.text(e.feature), .text(e.fields["description"] ?? ""), .int(Int(e.fields["tasks"] ?? "") ?? 0),
                          .int(Int(e.fields["budget"] ?? "") ?? 0), .int(e.ts)])
            return
        }
        if e.type == "feature_succeeded" {
            try db.query("UPDATE features SET state = 'succeeded' WHERE id = ?", [.text(e.feature)])
            return
        }
        guard !e.task.isEmpty, let state = e.fields["state"] else { return }
        try db.query("""
            INSERT INTO tasks(gid, feature, state, attempt, worker, reason, usage, updated, last_event)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            ON CONFLICT(gid) DO UPDATE SET state = ?3,
              attempt = CASE WHEN ?4 > 0 THEN ?4 ELSE attempt END,
              worker = CASE WHEN ?5 <> '' THEN ?5 ELSE worker END,
              reason = ?6, usage = CASE WHEN ?7 > 0 THEN ?7 ELSE usage END, updated = ?8, last_event = ?9
            WHERE ?9 > last_event
            """, [.text(e.task), .text(e.feature), .text(state), .int(Int(e.fields["attempt"] ?? "") ?? 0),
                  .text(e.fields["worker"] ?? ""), .text(e.fields["reason"] ?? ""), .int(Int(e.fields["usage"] ?? "") ?? 0),
                  .int(e.ts), .text(LedgerKey.sortable(e.id))])
    }

    /// Tasks, optionally only those in `state`, newest first.
    public func tasks(state: TaskState? = nil, feature: String? = nil, limit: Int = 1000) throws(LedgerError) -> [LedgerTask] {
        var sql = "SELECT gid, feature, state, attempt, worker, reason, usage, updated FROM tasks WHERE 1=1"
        var params: [SQLiteDatabase.Value] = []
        if let state { sql += " AND state = ?"; params.append(.text(state.rawValue)) }
        if let feature { sql += " AND feature = ?"; params.append(.text(feature)) }
        sql += " ORDER BY updated DESC, gid LIMIT ?"
        params.append(.int(limit))
        return try db.query(sql, params).map { r in
            LedgerTask(gid: r[0] ?? "", feature: r[1] ?? "", state: r[2] ?? "", attempt: Int(r[3] ?? "") ?? 0,
                       worker: r[4] ?? "", reason: r[5] ?? "", usage: Int(r[6] ?? "") ?? 0, updated: Int(r[7] ?? "") ?? 0)
        }
    }

    /// Every recorded event of one task, oldest first.
    public func history(of gid: String) throws(LedgerError) -> [SwarmEvent] {
        try db.query("SELECT data FROM events WHERE task = ? ORDER BY stream_id", [.text(gid)]).compactMap { r in
            r[0].flatMap { try? JSONDecoder().decode(SwarmEvent.self, from: Data($0.utf8)) }
        }.sorted { LedgerKey.sortable($0.id) < LedgerKey.sortable($1.id) }
    }

    /// Number of events recorded.
    public func eventCount() throws(LedgerError) -> Int {
        Int(try db.query("SELECT COUNT(*) FROM events").first?[0] ?? "0") ?? 0
    }

    /// Tasks by state, from the projection.
    public func stateCounts() throws(LedgerError) -> [String: Int] {
        var out: [String: Int] = [:]
        for r in try db.query("SELECT state, COUNT(*) FROM tasks GROUP BY state") { out[r[0] ?? ""] = Int(r[1] ?? "") ?? 0 }
        return out
    }
}

/// Stream ids compare numerically (`ms-seq`); this pads them so text order is time order.
enum LedgerKey {
    static func sortable(_ id: String) -> String {
        let parts = id.split(separator: "-")
        guard parts.count == 2 else { return id }
        func pad(_ s: Substring) -> String { String(repeating: "0", count: max(0, 20 - s.count)) + s }
        return pad(parts[0]) + "-" + pad(parts[1])
    }
}
