#if canImport(Glibc)
import Glibc
#endif
import CProcessControl

/// The one way Swarm starts a process: fork + exec (a small C function), for what
/// `posix_spawn` cannot do — a parent-death signal set in the child before it runs a single
/// instruction of the program, and a gate that holds the child until the parent has recorded
/// its pid.
///
/// The child inherits only stdin, stdout and stderr: every other descriptor of the parent
/// (Redis connections, lock files, pipes of other children) is closed at exec, whether or
/// not it was opened close-on-exec.
///
/// The parent-death signal fires when the *thread* that forked exits, so call this from a thread
/// that outlives the child (the worker's loop thread, `up`'s main thread).
public enum ForkExec {
    /// How to start one process.
    public struct Options {
        /// Executable path (no `PATH` lookup).
        public var path: String
        /// Full argument vector, `argv[0]` included.
        public var argv: [String]
        /// Complete environment (`KEY=value` strings).
        public var environment: [String]
        /// Directory to start in; `nil` keeps the parent's.
        public var workingDirectory: String?
        /// Descriptors for stdin, stdout, stderr; -1 inherits the parent's.
        public var stdio: (Int32, Int32, Int32) = (-1, -1, -1)
        /// Put the child in a process group of its own (pgid = pid).
        public var newProcessGroup = true
        /// Signal the child gets when the forking thread dies; 0 for none.
        public var parentDeathSignal: Int32 = SIGKILL

        /// Creates options.
        public init(path: String, argv: [String], environment: [String], workingDirectory: String? = nil) {
            self.path = path
            self.argv = argv
            self.environment = environment
            self.workingDirectory = workingDirectory
        }
    }

    /// Forks and execs; `beforeExec` runs in the parent while the child waits at the gate (it
    /// exists, with its process group, but has not exec'ed yet), so a record of its pid is on disk
    /// before the program can start anything.
    /// - Returns: the child's pid.
    /// - Throws: the errno of a failed fork, or of a failed step in the child (chdir, exec).
    public static func spawn(_ options: Options, beforeExec: (pid_t) -> Void = { _ in }) throws(ForkExecError) -> pid_t {
        let status: (read: Int32, write: Int32)
        let gate: (read: Int32, write: Int32)
        status = try makePipe(flags: O_CLOEXEC)
        do {
            gate = try makePipe(flags: O_CLOEXEC)
        } catch {
            close(status.read); close(status.write)
            throw error
        }
        let argv = CStringArray(options.argv)
        let envp = CStringArray(options.environment)
        let stdio: [Int32] = [options.stdio.0, options.stdio.1, options.stdio.2]
        let pid: pid_t = options.path.withCString { path in
            stdio.withUnsafeBufferPointer { fds in
                if let cwd = options.workingDirectory {
                    return cwd.withCString { dir in
                        swarm_fork_exec(path, argv.pointers, envp.pointers, dir, fds.baseAddress, options.newProcessGroup ? 1 : 0,
                                        options.parentDeathSignal, gate.read, gate.write, status.write)
                    }
                }
                return swarm_fork_exec(path, argv.pointers, envp.pointers, nil, fds.baseAddress, options.newProcessGroup ? 1 : 0,
                                       options.parentDeathSignal, gate.read, gate.write, status.write)
            }
        }
        close(status.write)
        close(gate.read)
        guard pid > 0 else {
            close(gate.write); close(status.read)
            throw ForkExecError(code: -pid)
        }
        beforeExec(pid)
        // Open the gate with a byte, not by closing it: a child forked at the same moment by
        // another thread holds a copy of this write end until it execs (and it may be waiting
        // at its own gate), so waiting for end-of-file could deadlock the two children.
        var open: UInt8 = 1
        while write(gate.write, &open, 1) < 0 && errno == EINTR {}
        close(gate.write)
        var code: Int32 = 0
        var got = 0
        while got < MemoryLayout<Int32>.size {
            let n = withUnsafeMutableBytes(of: &code) { read(status.read, $0.baseAddress! + got, $0.count - got) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        close(status.read)
        if got == MemoryLayout<Int32>.size {
            var ignored: Int32 = 0
            while waitpid(pid, &ignored, 0) < 0 && errno == EINTR {}
            throw ForkExecError(code: code)
        }
        return pid
    }

    /// Makes this process a child subreaper: descendants orphaned by a dying child are
    /// re-parented here (not to init), so their process group stays ours to kill and reap.
    @discardableResult
    public static func becomeChildSubreaper() -> Bool { swarm_set_child_subreaper() == 0 }
}

/// A failed pipe, fork or exec, with its errno.
public struct ForkExecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The errno.
    public var code: Int32
    /// Wraps an errno.
    public init(code: Int32) { self.code = code }
    /// The C library's text for it.
    public var description: String { String(cString: strerror(code)) }
}

/// A pipe whose both ends carry `flags` (`O_CLOEXEC`, `O_NONBLOCK`), created atomically with
/// `pipe2`; returns `(read, write)`.
public func makePipe(flags: Int32) throws(ForkExecError) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    guard swarm_pipe2(&fds, flags) == 0 else { throw ForkExecError(code: errno) }
    return (fds[0], fds[1])
}

/// A NULL-terminated `char *[]` that frees its strings when released.
public final class CStringArray {
    /// The array, for a C call; valid while this object lives.
    public let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    /// Copies `strings` into C memory.
    public init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[strings.count] = nil
    }

    deinit {
        for index in 0..<count { free(pointers[index]) }
        pointers.deallocate()
    }
}
