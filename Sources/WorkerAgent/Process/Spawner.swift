#if canImport(Glibc)
import Glibc
#endif
import SwarmSupport

/// A started child: its pid (also its process group id) and the read ends of its output pipes.
struct SpawnedProcess {
    let pid: pid_t
    let stdoutFD: Int32
    let stderrFD: Int32
}

/// Starts a process (fork + exec, see ``ForkExec``) in its own process group, with stdin from
/// `/dev/null`, stdout and stderr on pipes, an explicit environment, default signal
/// dispositions and SIGKILL as its parent-death signal; its group is recorded in
/// `groupRecord` before it execs.
enum Spawner {
    /// The util-linux `prlimit` program, used as a trampoline: it sets the limits on itself
    /// and then execs the command, so the limits are in force before the command's first
    /// instruction (calling prlimit(2) after spawning would race the child).
    static let prlimitTool = "/usr/bin/prlimit"

    static func spawn(_ request: ProcessRequest, groupRecord: TaskGroupRecord? = nil) throws(ProcessRunnerError) -> SpawnedProcess {
        guard let name = request.argv.first else { throw .emptyCommand }
        if let cwd = request.workingDirectory, !ExecutableLookup.isDirectory(cwd) {
            throw .workingDirectoryNotFound(path: cwd)
        }
        let searchPath = request.environment["PATH"]
        guard var program = ExecutableLookup.resolve(name, path: searchPath) else {
            throw .executableNotFound(name: name, searchPath: searchPath ?? ExecutableLookup.defaultPath)
        }
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
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        var options = ForkExec.Options(path: program, argv: argv,
                                       environment: request.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
                                       workingDirectory: request.workingDirectory)
        options.stdio = (devNull, out.write, err.write)
        // The task dies with the thread that runs it (the worker's loop): a worker killed with
        // SIGKILL cannot leave its task running beside the task's next attempt.
        options.parentDeathSignal = SIGKILL
        let pid: pid_t
        do {
            pid = try ForkExec.spawn(options) { pid in groupRecord?.record(pgid: pid) }
        } catch {
            close(out.read); close(out.write); close(err.read); close(err.write)
            if devNull >= 0 { close(devNull) }
            groupRecord?.clear()
            throw .spawnFailed(program: name, errno: error.code)
        }
        close(out.write)
        close(err.write)
        if devNull >= 0 { close(devNull) }
        if limitsAfterSpawn { applyLimits(request.limits, to: pid) }
        return SpawnedProcess(pid: pid, stdoutFD: out.read, stderrFD: err.read)
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
