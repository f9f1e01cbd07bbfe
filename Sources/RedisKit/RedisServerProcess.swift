import Foundation
import SwarmSupport
import Synchronization

/// Why a private `redis-server` could not be started.
public enum RedisServerError: Error, Sendable, CustomStringConvertible {
    /// No `redis-server` executable was found.
    case notFound(executable: String)
    /// The process could not be spawned or exited during start-up; `log` is the tail of its log.
    case failedToStart(reason: String, log: String)
    /// It did not answer PING within the time allowed.
    case notReady(seconds: Double, log: String)

    /// A message naming the cause and the fix.
    public var description: String {
        switch self {
        case let .notFound(executable):
            return "cannot find '\(executable)'; install it with `apt-get install -y redis-server` or set redis.url to an existing server"
        case let .failedToStart(reason, log):
            return "redis-server failed to start: \(reason)" + (log.isEmpty ? "" : "\n--- redis log ---\n\(log)")
        case let .notReady(seconds, log):
            return "redis-server did not answer within \(seconds) s" + (log.isEmpty ? "" : "\n--- redis log ---\n\(log)")
        }
    }
}

/// A private `redis-server` child process: the test suite's real Redis, and the orchestrator's
/// embedded default when no URL is configured.
///
/// It always listens on a unix socket in `directory`; with `port` set, also on 127.0.0.1.
/// `Sendable`: its state (the child's pid) sits behind a `Mutex`.
public final class RedisServerProcess: Sendable {
    /// How to run the server.
    public struct Configuration: Sendable {
        /// Folder for the socket, the log and any AOF files.
        public var directory: String
        /// TCP port on 127.0.0.1, or nil for the unix socket only.
        public var port: Int?
        /// Turn on the append-only file (durability across restarts).
        public var appendOnly: Bool
        /// `appendfsync` policy when `appendOnly`: `always`, `everysec` or `no`.
        public var appendFsync: String
        /// Extra `--option value` arguments.
        public var extraArguments: [String]
        /// Executable name or path.
        public var executable: String
        /// `requirepass` of the default user, or nil for none. It goes to the server in a 0600
        /// config file in `directory` (`redis-auth.conf`), never on its command line, where `ps`
        /// would show it to every local user.
        public var password: String?

        /// Creates a configuration.
        public init(directory: String, port: Int? = nil, appendOnly: Bool = false, appendFsync: String = "everysec",
                    extraArguments: [String] = [], executable: String = "redis-server", password: String? = nil) {
            self.directory = directory
            self.port = port
            self.appendOnly = appendOnly
            self.appendFsync = appendFsync
            self.extraArguments = extraArguments
            self.executable = executable
            self.password = password
        }
    }

    /// The configuration it runs with.
    public let configuration: Configuration
    private let child = Mutex<pid_t?>(nil)

    /// Creates a server description; nothing runs until `start()`.
    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// A server in a new temporary folder, listening on a free TCP port and a unix socket.
    public static func temporary(tcp: Bool = true) -> RedisServerProcess {
        let dir = NSTemporaryDirectory() + "swarm-redis-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return RedisServerProcess(Configuration(directory: dir, port: tcp ? freeTCPPort() : nil))
    }

    /// Path of the unix socket.
    public var socketPath: String { configuration.directory + "/redis.sock" }
    /// Path of the server's log file.
    public var logPath: String { configuration.directory + "/redis.log" }
    /// Path of the config file holding the password (only with a password).
    public var authConfigPath: String { configuration.directory + "/redis-auth.conf" }
    /// URL of the unix socket (with the password, when there is one).
    public var url: RedisURL { RedisURL(endpoint: .unix(path: socketPath), password: configuration.password) }
    /// URL of the TCP listener, when there is one.
    public var tcpURL: RedisURL? {
        configuration.port.map { RedisURL(endpoint: .tcp(host: "127.0.0.1", port: $0), password: configuration.password) }
    }
    /// The child's pid while it runs.
    public var pid: pid_t? { child.withLock { $0 } }

    /// Starts the server and waits until it answers PING.
    public func start(timeout: Double = 10) throws(RedisServerError) {
        if pid != nil { return }
        let c = configuration
        try? FileManager.default.createDirectory(atPath: c.directory, withIntermediateDirectories: true)
        try repairAppendOnlyTail()
        var args = [c.executable]
        if let password = c.password {
            try writeAuthConfig(password)
            args.append(authConfigPath)
        }
        args += ["--port", String(c.port ?? 0),
                    "--bind", "127.0.0.1",
                    "--unixsocket", socketPath, "--unixsocketperm", "700",
                    "--dir", c.directory, "--logfile", logPath,
                    "--save", "", "--daemonize", "no", "--protected-mode", "no",
                    "--appendonly", c.appendOnly ? "yes" : "no"]
        if c.appendOnly { args += ["--appendfsync", c.appendFsync] }
        args += c.extraArguments
        let spawned = try RedisServerProcess.spawn(args)
        child.withLock { $0 = spawned }
        let deadline = Monotonic.now() + timeout
        while Monotonic.now() < deadline {
            var status: Int32 = 0
            if waitpid(spawned, &status, WNOHANG) == spawned {
                child.withLock { $0 = nil }
                throw .failedToStart(reason: "it exited with status \(status)", log: logTail())
            }
            if let conn = try? RedisConnection(url: url, options: RedisOptions(connectTimeout: 0.5, commandTimeout: 1)),
               (try? conn.send("PING")) != nil {
                return
            }
            sleepSeconds(0.01)
        }
        stop()
        throw .notReady(seconds: timeout, log: logTail())
    }

    /// Reaps the server if it has exited, without waiting. Returns how it ended ("was killed by
    /// signal 9"), or nil while it runs (or was never started). Afterwards `pid` is nil and
    /// `start()` starts it again (replaying its AOF, when it has one).
    public func reapIfExited() -> String? {
        guard let p = pid else { return nil }
        var status: Int32 = 0
        let r = waitpid(p, &status, WNOHANG)
        let how: String
        if r == p {
            let sig = status & 0x7f
            how = sig == 0 ? "exited with status \((status >> 8) & 0xff)" : "was killed by signal \(sig)"
        } else if r == -1 && errno == ECHILD && Glibc.kill(p, 0) != 0 {
            how = "is gone"  // reaped by someone else (a subreaper's wait for any child)
        } else {
            return nil
        }
        child.withLock { if $0 == p { $0 = nil } }
        return how
    }

    /// Stops the server (SIGTERM, then SIGKILL after `grace` seconds) and reaps it.
    public func stop(grace: Double = 5) {
        guard let p = child.withLock({ v -> pid_t? in let p = v; v = nil; return p }) else { return }
        Glibc.kill(p, SIGTERM)
        let deadline = Monotonic.now() + grace
        var status: Int32 = 0
        while Monotonic.now() < deadline {
            if waitpid(p, &status, WNOHANG) == p { return }
            sleepSeconds(0.01)
        }
        Glibc.kill(p, SIGKILL)
        waitpid(p, &status, 0)
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    public func kill() {
        guard let p = child.withLock({ v -> pid_t? in let p = v; v = nil; return p }) else { return }
        Glibc.kill(p, SIGKILL)
        var status: Int32 = 0
        waitpid(p, &status, 0)
    }

    /// Stops the server and deletes its folder.
    public func destroy() {
        stop()
        try? FileManager.default.removeItem(atPath: configuration.directory)
    }

    /// The last lines of the server log, for error messages.
    public func logTail(lines: Int = 15) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Writes the password where only this user can read it; the server reads it at start.
    private func writeAuthConfig(_ password: String) throws(RedisServerError) {
        guard !password.contains(where: { $0.isWhitespace || $0 == "\"" }) else {
            throw .failedToStart(reason: "the password must not contain spaces or quotes", log: "")
        }
        let path = authConfigPath
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .failedToStart(reason: "cannot write \(path): \(String(cString: strerror(errno)))", log: "")
        }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let text = Array("requirepass \(password)\n".utf8)
        guard write(fd, text, text.count) == text.count else {
            throw .failedToStart(reason: "cannot write \(path): \(String(cString: strerror(errno)))", log: "")
        }
    }

    private static func spawn(_ args: [String]) throws(RedisServerError) -> pid_t {
        let environment = ChildProcess.currentEnvironment()
        let searchPath = environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
        guard let program = ExecutableLookup.resolve(args[0], path: searchPath) else { throw .notFound(executable: args[0]) }
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }
        var options = ForkExec.Options(path: program, argv: args, environment: environment)
        options.stdio = (devNull, devNull, devNull)
        // Its own process group: a Ctrl-C at the terminal goes to our process, which decides
        // when Redis stops (after draining), not straight to redis-server. No parent-death
        // signal: the thread that starts it may end before the server should.
        options.newProcessGroup = true
        options.parentDeathSignal = 0
        do {
            return try ForkExec.spawn(options)
        } catch {
            if error.code == ENOENT { throw .notFound(executable: args[0]) }
            throw .failedToStart(reason: error.description, log: "")
        }
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it).
public func freeTCPPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
    }
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}
