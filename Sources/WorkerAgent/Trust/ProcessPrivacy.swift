#if canImport(Glibc)
import Glibc
#endif

/// Keeps processes of the same user (the tasks a worker runs) out of this process's
/// `/proc/<pid>/environ`, `mem` and `fd`, and from attaching a debugger to it.
public enum ProcessPrivacy {
    private typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32

    /// `prctl(PR_SET_DUMPABLE, 0)`: the kernel then owns this process's `/proc` files and
    /// refuses `ptrace` from the same user. Children get their own setting back at `execve`.
    /// Idempotent; does nothing where `prctl` is missing.
    public static func hideFromSameUser() {
        #if os(Linux)
        // prctl is variadic in C, so Swift cannot call it directly; its integer arguments pass
        // the same way through this fixed signature.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return }
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        _ = prctl(4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0)
        #endif
    }
}
