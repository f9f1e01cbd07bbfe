import Foundation

/// Why the state directory or one of its private files cannot be used.
enum StateDirectoryError: Error, CustomStringConvertible {
    /// It could not be created or tightened.
    case cannotPrepare(path: String, reason: String)
    /// Something other than a directory sits at its path.
    case notADirectory(path: String)
    /// It (or a file in it) belongs to another user, who could read or replace what Swarm keeps there.
    case notOwned(path: String, owner: uid_t)
    /// A private file could not be read or written.
    case fileError(path: String, reason: String)

    var description: String {
        switch self {
        case let .cannotPrepare(path, reason):
            return "cannot prepare the state directory \(path): \(reason); set orchestrator.state_dir to a directory you can write"
        case let .notADirectory(path):
            return "\(path) is not a directory; set orchestrator.state_dir to a directory (Swarm creates it)"
        case let .notOwned(path, owner):
            return "\(path) belongs to uid \(owner), not to this user (uid \(geteuid())); use a state_dir of your own"
        case let .fileError(path, reason):
            return "cannot use \(path): \(reason)"
        }
    }
}

/// The state directory (`orchestrator.state_dir`) is private: 0700, and the files Swarm keeps
/// in it (embedded Redis data, AOF, log, password, ledger, keys) 0600. Other local users must not
/// read task output from the AOF or the ledger, nor the Redis password.
enum StateDirectory {
    /// Creates `path` (0700) or tightens an existing one to 0700, and takes group and other
    /// permissions off the files already in it (and in the AOF folder). Refuses a directory
    /// owned by someone else.
    static func prepare(_ path: String) throws(StateDirectoryError) {
        var st = stat()
        if lstat(path, &st) != 0 {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw .cannotPrepare(path: path, reason: error.localizedDescription)
            }
            guard lstat(path, &st) == 0 else { throw .cannotPrepare(path: path, reason: String(cString: strerror(errno))) }
        }
        guard st.st_mode & S_IFMT == S_IFDIR else { throw .notADirectory(path: path) }
        guard st.st_uid == geteuid() else { throw .notOwned(path: path, owner: st.st_uid) }
        if st.st_mode & 0o777 != 0o700, chmod(path, 0o700) != 0 {
            throw .cannotPrepare(path: path, reason: "chmod 0700: \(String(cString: strerror(errno)))")
        }
        tightenFiles(in: path)
        let aof = path + "/appendonlydir"
        if lstat(aof, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
            _ = chmod(aof, 0o700)
            tightenFiles(in: aof)
        }
    }

    /// Removes group and other permissions from the regular files directly in `dir` (not from
    /// subfolders: task workspaces may live there and are the tasks' business).
    static func tightenFiles(in dir: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            makePrivate(dir + "/" + name)
        }
    }

    /// Takes group and other permissions off `path` if it is a regular file of ours.
    static func makePrivate(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o077 != 0 else { return }
        _ = chmod(path, mode_t(st.st_mode & 0o700))
    }

    /// Makes a SQLite database and its side files private (SQLite gives new journal and WAL files
    /// the mode of the database file, so this holds for files it creates later too).
    static func makeDatabasePrivate(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { makePrivate(path + suffix) }
    }

    /// Sets the umask of this process to 077, so every file it and its redis-server create is
    /// private, and records the previous umask in `SWARM_UMASK` for the workers it spawns: they
    /// restore it, so the files their tasks write in a repository keep the user's usual mode.
    static func useTightUmask() {
        let previous = umask(0o077)
        if getenv("SWARM_UMASK") == nil { setenv("SWARM_UMASK", String(previous, radix: 8), 1) }
    }

    /// In a worker started by `up`: restores the user's umask saved in `SWARM_UMASK`.
    static func restoreUmaskFromEnvironment() {
        guard let text = ProcessInfo.processInfo.environment["SWARM_UMASK"], let mask = mode_t(text, radix: 8), mask <= 0o777 else { return }
        umask(mask)
    }
}
