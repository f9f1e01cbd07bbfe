#if canImport(Glibc)
import Glibc
#endif
import SwarmSupport

/// glibc functions that the Swift `Glibc` module does not import (they need `_GNU_SOURCE`),
/// looked up by name at run time. Each is `nil` where the C library lacks it.
enum LinuxCalls {
    typealias Prlimit = @convention(c) (pid_t, Int32, UnsafePointer<rlimit>?, UnsafeMutablePointer<rlimit>?) -> Int32
    typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

    /// `prlimit` (Linux).
    static let prlimit: Prlimit? = symbol("prlimit", as: Prlimit.self)
    /// `pidfd_open` (glibc 2.36+, Linux 5.3+): a descriptor that polls readable when the process exits.
    static let pidfdOpen: PidfdOpen? = symbol("pidfd_open", as: PidfdOpen.self)

    /// A pipe whose both ends carry `flags` (`O_CLOEXEC`, `O_NONBLOCK`); returns `(read, write)`.
    static func makePipe(flags: Int32) throws(ProcessRunnerError) -> (read: Int32, write: Int32) {
        do {
            return try SwarmSupport.makePipe(flags: flags)
        } catch {
            throw .pipeFailed(errno: error.code)
        }
    }

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        // A null handle is RTLD_DEFAULT on glibc: search the global symbol table.
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }
}
