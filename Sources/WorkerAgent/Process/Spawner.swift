#if canImport(Glibc)
import Glibc
#endif

/// A started child: its pid (also its process group id) and the read ends of its output pipes.
struct SpawnedProcess {
    let pid: pid_t
    let stdoutFD: Int32
    let stderrFD: Int32
}

/// Starts a process with `posix_spawn` in its own process group, with stdin from
/// `/dev/null`, stdout and stderr on pipes, an explicit environment and default signal
/// dispositions.
enum Spawner {
    /// The util-linux `prlimit` program, used as a trampoline: it sets the limits on itself
    /// and then execs the command, so the limits are in force before the command's first
    /// instruction (calling prlimit(2) after spawning would race the child).
    static let prlimitTool = "/usr/bin/prlimit"

    static func spawn(_ request: ProcessRequest) throws(ProcessRunnerError) -> SpawnedProcess {
        guard let name = request.argv.first else { throw .emptyCommand }
        if let cwd = request.workingDirectory, !ExecutableLookup.isDirectory(cwd) {
            throw .workingDirectoryNotFound(path: cwd)
        }
        var program = try ExecutableLookup.resolve(name, path: request.environment["PATH"])
        if !program.hasPrefix("/"), let cwd = request.workingDirectory {
            // A relative program path is relative to the child's directory.
            program = cwd + "/" + program
        }
        var argv = request.argv
        var limitsAfterSpawn = false
        if !request.limits.isEmpty {
            if ExecutableLookup.isExecutableFile(prlimitTool) {
                var prefix = [prlimitTool]
                if let bytes = request.limits.memoryBytes { prefix.append("--as=\(bytes)") }
                if let seconds = request.limits.cpuSeconds { prefix.append("--cpu=\(seconds):\(seconds + 1)") }
                argv = prefix + ["--", program] + argv.dropFirst()
                program = prlimitTool
            } else {
                limitsAfterSpawn = true
            }
        }

        let out = try LinuxCalls.makePipe(flags: O_CLOEXEC)
        let err: (read: Int32, write: Int32)
        do { err = try LinuxCalls.makePipe(flags: O_CLOEXEC) } catch {
            close(out.read); close(out.write)
            throw error
        }
        let outPipe = [out.read, out.write], errPipe = [err.read, err.write]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        if let cwd = request.workingDirectory {
            guard let addChdir = LinuxCalls.addChdir else {
                close(outPipe[0]); close(outPipe[1]); close(errPipe[0]); close(errPipe[1])
                throw .spawnFailed(program: name, errno: ENOSYS)
            }
            _ = cwd.withCString { addChdir(&actions, $0) }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)  // pgid = pid
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // Ignored signals survive exec: give the child default handling of the ones a
        // host process commonly ignores or handles (SIGPIPE above all).
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU, SIGXFSZ] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let cArgv = CStringArray(argv)
        let cEnv = CStringArray(request.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        var pid: pid_t = 0
        let code = program.withCString { path in
            posix_spawn(&pid, path, &actions, &attributes, cArgv.pointers, cEnv.pointers)
        }
        close(outPipe[1])
        close(errPipe[1])
        guard code == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw .spawnFailed(program: name, errno: code)
        }
        if limitsAfterSpawn { applyLimits(request.limits, to: pid) }
        return SpawnedProcess(pid: pid, stdoutFD: outPipe[0], stderrFD: errPipe[0])
    }

    /// Fallback when the `prlimit` tool is missing: set the limits on the running child.
    /// The child may run a few instructions before they apply.
    private static func applyLimits(_ limits: ProcessLimits, to pid: pid_t) {
        guard let prlimit = LinuxCalls.prlimit else { return }
        if let bytes = limits.memoryBytes {
            var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
            _ = prlimit(pid, Int32(RLIMIT_AS.rawValue), &limit, nil)
        }
        if let seconds = limits.cpuSeconds {
            var limit = rlimit(rlim_cur: rlim_t(seconds), rlim_max: rlim_t(seconds + 1))
            _ = prlimit(pid, Int32(RLIMIT_CPU.rawValue), &limit, nil)
        }
    }
}

/// A NULL-terminated `char *[]` that frees its strings when released.
final class CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
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
