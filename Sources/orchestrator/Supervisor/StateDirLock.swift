import Foundation
import WorkerAgent

/// Why `up` cannot take its state directory.
enum StateDirError: Error, CustomStringConvertible {
    /// Another live `up` holds the lock.
    case held(directory: String, pid: Int32?)
    /// The directory or lock file cannot be created or locked.
    case unusable(directory: String, reason: String)

    var description: String {
        switch self {
        case let .held(directory, pid):
            let who = pid.map { "another `orchestrator up` (pid \($0))" } ?? "another `orchestrator up`"
            return "\(who) is running on state directory \(directory); stop it first (`orchestrator drain`), "
                + "or give this one its own orchestrator.state_dir"
        case let .unusable(directory, reason):
            return "cannot use state directory \(directory): \(reason); check that it is a directory you own"
        }
    }
}

/// What one `up` runs, as its pid file records it: enough for the next `up` to stop what a
/// killed predecessor left behind, and to be sure a pid is still the process it recorded.
struct UpRecord: Codable, Equatable {
    /// A process and its start time (clock ticks after boot, from /proc), which tells a reused
    /// pid from the recorded process.
    struct Proc: Codable, Equatable {
        var pid: Int32
        var start: UInt64
        var id: String?

        /// The process, if it is still the recorded one (same pid and start time).
        var isAlive: Bool { ProcessInfoFile.startTime(of: pid) == start }
    }

    var up: Proc
    var redis: Proc?
    var workers: [Proc]

    static func current(pid: Int32, id: String? = nil) -> Proc? {
        ProcessInfoFile.startTime(of: pid).map { Proc(pid: pid, start: $0, id: id) }
    }
}

/// The `up` that owns a state directory: an exclusive `flock` on `up.lock` held for the life of
/// the process (the kernel drops it when the process dies, even by SIGKILL), and `up.pid`
/// listing its processes. Both files are close-on-exec and private (0600).
final class StateDirLock: @unchecked Sendable {
    let directory: String
    private let fd: Int32
    private let writeLock = NSLock()

    var pidFile: String { directory + "/up.pid" }

    private init(directory: String, fd: Int32) {
        self.directory = directory
        self.fd = fd
    }

    /// Takes the directory (creating it 0700) or says who holds it.
    static func acquire(directory: String) throws(StateDirError) -> StateDirLock {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unusable(directory: directory, reason: error.localizedDescription)
        }
        let fd = open(directory + "/up.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .unusable(directory: directory, reason: String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            guard code == EWOULDBLOCK else { throw .unusable(directory: directory, reason: String(cString: strerror(code))) }
            let holder = (try? Data(contentsOf: URL(fileURLWithPath: directory + "/up.pid")))
                .flatMap { try? JSONDecoder().decode(UpRecord.self, from: $0) }
            throw .held(directory: directory, pid: holder?.up.pid)
        }
        return StateDirLock(directory: directory, fd: fd)
    }

    /// What the previous `up` on this directory recorded (it is dead: we hold the lock).
    func predecessor() -> UpRecord? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: pidFile)) else { return nil }
        return try? JSONDecoder().decode(UpRecord.self, from: data)
    }

    /// Replaces the pid file (write to a temporary file, then rename: never half written).
    func write(_ record: UpRecord) {
        guard let data = try? JSONEncoder().encode(record) else { return }
        writeLock.withLock {
            let tmp = pidFile + ".tmp"
            let out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard out >= 0 else { return }
            _ = data.withUnsafeBytes { Glibc.write(out, $0.baseAddress, $0.count) }
            close(out)
            rename(tmp, pidFile)
        }
    }

    /// Removes the pid file and drops the lock (a clean exit).
    func release() {
        unlink(pidFile)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
