#if canImport(Glibc)
import Glibc
#endif

/// glibc functions that the Swift `Glibc` module does not import (they need `_GNU_SOURCE`),
/// looked up by name at run time. Each is `nil` where the C library lacks it.
enum LinuxCalls {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias Prlimit = @convention(c) (pid_t, Int32, UnsafePointer<rlimit>?, UnsafeMutablePointer<rlimit>?) -> Int32
    typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+).
    static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
    /// `prlimit` (Linux).
    static let prlimit: Prlimit? = symbol("prlimit", as: Prlimit.self)
    /// `pidfd_open` (glibc 2.36+, Linux 5.3+): a descriptor that polls readable when the process exits.
    static let pidfdOpen: PidfdOpen? = symbol("pidfd_open", as: PidfdOpen.self)

    /// `pipe2`, to create pipes atomically close-on-exec.
    static let pipe2: Pipe2? = symbol("pipe2", as: Pipe2.self)

    /// A pipe whose both ends carry `flags` (`O_CLOEXEC`, `O_NONBLOCK`); returns `(read, write)`.
    /// Falls back to `pipe` + `fcntl`, which leaves a short window in which a concurrent
    /// spawn on another thread could inherit the descriptors.
    static func makePipe(flags: Int32) throws(ProcessRunnerError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        if let pipe2 {
            guard pipe2(&fds, flags) == 0 else { throw .pipeFailed(errno: errno) }
            return (fds[0], fds[1])
        }
        guard pipe(&fds) == 0 else { throw .pipeFailed(errno: errno) }
        for fd in fds {
            if flags & O_CLOEXEC != 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            if flags & O_NONBLOCK != 0 { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        }
        return (fds[0], fds[1])
    }

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        // A null handle is RTLD_DEFAULT on glibc: search the global symbol table.
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }
}
