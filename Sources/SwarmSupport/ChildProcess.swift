#if canImport(Glibc)
import Glibc
#endif

/// Runs a short-lived program to its end through ``ForkExec`` and captures its output: for the
/// planner's agent, `git init` in the demo, benchmark helpers. Never through a shell; a deadline
/// bounds every wait (unlike Foundation's `Process.waitUntilExit`, which hangs while any
/// descendant still holds the output pipes).
public enum ChildProcess {
    /// What a run produced.
    public struct Outcome: Sendable, Equatable {
        /// Everything written to stdout.
        public var stdout: String
        /// Everything written to stderr.
        public var stderr: String
        /// Exit status; `nil` when the process was killed by a signal.
        public var status: Int32?
        /// Whether the deadline passed and the process was stopped.
        public var timedOut: Bool

        /// Creates an outcome.
        public init(stdout: String, stderr: String, status: Int32?, timedOut: Bool) {
            self.stdout = stdout
            self.stderr = stderr
            self.status = status
            self.timedOut = timedOut
        }
    }

    /// Runs `argv[0]` (looked up on the `PATH` of `environment` unless it contains `/`) in a
    /// process group of its own, stdin from `/dev/null`. After `timeout` seconds the group gets
    /// SIGTERM, then SIGKILL `killGrace` seconds later.
    /// - Parameter environment: `KEY=value` strings; `nil` passes this process's environment.
    /// - Throws: ``ForkExecError`` with `ENOENT` when the program is not found, or the errno
    ///   of a failed pipe, fork or exec.
    public static func run(_ argv: [String], environment: [String]? = nil, workingDirectory: String? = nil,
                           timeout: Double, killGrace: Double = 1) throws(ForkExecError) -> Outcome {
        let env = environment ?? currentEnvironment()
        let searchPath = env.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
        guard let name = argv.first, let program = ExecutableLookup.resolve(name, path: searchPath) else {
            throw ForkExecError(code: ENOENT)
        }
        let out = try makePipe(flags: O_CLOEXEC)
        let err: (read: Int32, write: Int32)
        do { err = try makePipe(flags: O_CLOEXEC) } catch {
            close(out.read); close(out.write)
            throw error
        }
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        var options = ForkExec.Options(path: program, argv: argv, environment: env, workingDirectory: workingDirectory)
        options.stdio = (devNull, out.write, err.write)
        options.parentDeathSignal = 0
        let pid: pid_t
        do {
            pid = try ForkExec.spawn(options)
        } catch {
            for fd in [out.read, out.write, err.read, err.write, devNull] where fd >= 0 { close(fd) }
            throw error
        }
        for fd in [out.write, err.write, devNull] where fd >= 0 { close(fd) }
        defer { close(out.read); close(err.read) }

        var collector = OutputCollector(fds: [out.read, err.read])
        let deadline = Monotonic.now() + timeout
        var status: Int32?
        var timedOut = false
        var killAt: Double?
        while status == nil {
            collector.poll(milliseconds: 20)
            status = reap(pid)
            guard status == nil else { break }
            let now = Monotonic.now()
            if !timedOut && now >= deadline {
                timedOut = true
                kill(-pid, SIGTERM)
                killAt = now + killGrace
            } else if let at = killAt, now >= at {
                kill(-pid, SIGKILL)
                killAt = nil
            }
        }
        // A grandchild may still hold the pipes open; do not wait for it for long.
        collector.drain(until: Monotonic.now() + (timedOut ? 0.2 : 5))
        let raw = status ?? 0
        let exited = raw & 0x7f == 0
        return Outcome(stdout: collector.text(0), stderr: collector.text(1),
                       status: exited ? (raw >> 8) & 0xff : nil, timedOut: timedOut)
    }

    /// This process's environment as it is now (`up` sets variables for its workers with
    /// `setenv`), as `KEY=value` strings.
    public static func currentEnvironment() -> [String] {
        var result: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            result.append(String(cString: pointer))
            entry += 1
        }
        return result
    }

    /// The raw wait status of `pid` if it has exited, without blocking.
    private static func reap(_ pid: pid_t) -> Int32? {
        var raw: Int32 = 0
        while true {
            let rc = waitpid(pid, &raw, WNOHANG)
            if rc == pid { return raw }
            if rc < 0 && errno == EINTR { continue }
            // rc < 0 otherwise: someone else reaped it; report a plain exit.
            return rc == 0 ? nil : 0
        }
    }
}

/// Reads several pipes to their ends with `poll`, on the calling thread.
private struct OutputCollector {
    private var fds: [Int32]
    private var open: [Bool]
    private var data: [[UInt8]]

    init(fds: [Int32]) {
        self.fds = fds
        open = fds.map { _ in true }
        data = fds.map { _ in [] }
    }

    /// Reads what is ready, waiting up to `milliseconds` for something.
    mutating func poll(milliseconds: Int32) {
        var waiting = fds.indices.filter { open[$0] }.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
        guard !waiting.isEmpty else {
            sleepSeconds(Double(milliseconds) / 1000)
            return
        }
        guard Glibc.poll(&waiting, nfds_t(waiting.count), milliseconds) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 65536)
        for entry in waiting where entry.revents != 0 {
            guard let index = fds.firstIndex(of: entry.fd) else { continue }
            let n = read(entry.fd, &buffer, buffer.count)
            if n > 0 {
                data[index].append(contentsOf: buffer[0..<n])
            } else if n == 0 || errno != EINTR {
                open[index] = false
            }
        }
    }

    /// Reads until every pipe reached its end or `deadline` (monotonic seconds) passed.
    mutating func drain(until deadline: Double) {
        while open.contains(true) && Monotonic.now() < deadline { poll(milliseconds: 20) }
    }

    func text(_ index: Int) -> String { String(decoding: data[index], as: UTF8.self) }
}
