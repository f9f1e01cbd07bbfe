#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock(2)` on a file: held until ``unlock()`` or until the process dies (the
/// kernel drops it then), which is how a killed worker's attempt is told apart from a live one.
///
/// The descriptor is close-on-exec, so neither git nor task processes inherit the lock.
final class FileLock {
    let path: String
    private var fd: Int32 = -1

    init(path: String) {
        self.path = path
    }

    deinit { unlock() }

    /// Takes the lock, waiting up to `timeout` seconds for its holder.
    func lock(timeout: Double) throws(WorkspaceError) {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(timeout * 1000))
        var pause: UInt32 = 2_000
        while true {
            if try tryLock() { return }
            if clock.now >= deadline { throw .lockTimedOut(path: path, seconds: timeout) }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// Takes the lock if nobody holds it; false when someone does.
    func tryLock() throws(WorkspaceError) -> Bool {
        if fd >= 0 { return true }
        let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard opened >= 0 else { throw .io(path: path, what: "open the lock file", errno: errno) }
        while flock(opened, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(opened)
            if code == EWOULDBLOCK { return false }
            throw .io(path: path, what: "lock", errno: code)
        }
        fd = opened
        return true
    }

    /// Releases the lock (a no-op when not held).
    func unlock() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }
}
