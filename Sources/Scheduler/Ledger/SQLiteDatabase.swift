import CSQLite
import Foundation

/// Errors of the SQLite ledger, with the file and SQLite's own message.
public enum LedgerError: Error, Sendable, CustomStringConvertible {
    /// The database could not be opened or created.
    case cannotOpen(path: String, message: String)
    /// A statement failed.
    case sqlite(path: String, message: String)
    /// The file is the ledger of another namespace.
    case otherNamespace(path: String, owner: String, wanted: String)

    /// A message naming the file and what to check.
    public var description: String {
        switch self {
        case let .cannotOpen(path, message):
            return "cannot open the ledger at \(path): \(message); check that its folder exists and is writable (orchestrator.ledger_path)"
        case let .sqlite(path, message):
            return "ledger \(path): \(message)"
        case let .otherNamespace(path, owner, wanted):
            return "the ledger at \(path) belongs to namespace '\(owner)', not '\(wanted)'; give each namespace its own orchestrator.ledger_path"
        }
    }
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A minimal SQLite connection: prepared statements with text/integer binding. Not `Sendable`:
/// one thread at a time (open one per thread; WAL lets readers and the writer overlap).
final class SQLiteDatabase {
    let path: String
    private var db: OpaquePointer?

    init(path: String) throws(LedgerError) {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        if sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil) != SQLITE_OK {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw .cannotOpen(path: path, message: message)
        }
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { sqlite3_close(db) }

    /// Runs SQL without results (may hold several statements).
    func exec(_ sql: String) throws(LedgerError) {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw .sqlite(path: path, message: message)
        }
    }

    /// A value to bind.
    enum Value { case text(String), int(Int), null }

    /// Runs one statement with parameters; returns rows as arrays of optional strings.
    @discardableResult
    func query(_ sql: String, _ params: [Value] = []) throws(LedgerError) -> [[String?]] {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw error() }
        defer { sqlite3_finalize(stmt) }
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            switch p {
            case let .text(s): sqlite3_bind_text(stmt, idx, s, -1, transient)
            case let .int(n): sqlite3_bind_int64(stmt, idx, Int64(n))
            case .null: sqlite3_bind_null(stmt, idx)
            }
        }
        var rows: [[String?]] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error() }
            let n = sqlite3_column_count(stmt)
            rows.append((0..<n).map { c in sqlite3_column_text(stmt, c).map { String(cString: $0) } })
        }
        return rows
    }

    private func error() -> LedgerError {
        .sqlite(path: path, message: String(cString: sqlite3_errmsg(db)))
    }
}
