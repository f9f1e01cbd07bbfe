import Foundation
import RedisKit
import Scheduler

/// What every scenario shares: the private redis-server, the worker executable and its config,
/// sizes (quick or full) and the number of runs per figure.
final class BenchContext {
    /// The private server.
    let server: RedisServerProcess
    /// Its unix socket URL (Swarm's clients and workers use it).
    let url: RedisURL
    /// `orchestrator` executable spawned for worker processes.
    let orchestrator: String
    /// Config file the worker processes read.
    let workerConfig: String
    /// Smoke-test sizes.
    let quick: Bool
    /// Runs per figure.
    let runs: Int
    private var namespaceCounter = 0

    /// Starts a private redis-server (no persistence, unix socket + TCP for the Celery peer).
    init(orchestrator: String, quick: Bool, runs: Int) throws {
        server = RedisServerProcess.temporary(tcp: true)
        do { try server.start() } catch { throw BenchError.setup("\(error)") }
        url = server.url
        self.orchestrator = orchestrator
        self.quick = quick
        self.runs = runs
        workerConfig = server.configuration.directory + "/bench-config.yaml"
        // Host-load backpressure off: a saturated 2-core benchmark host would otherwise make
        // workers stop claiming (max_cpu_percent 95). Idle timeout: orphans clean themselves up.
        // Signatures off: the scenarios submit through the library, unsigned, to a private server.
        let yaml = """
        redis:
          url: "unix://\(server.socketPath)"
        security:
          require_signatures: false
        worker:
          max_cpu_percent: 100
          max_memory_percent: 100
          idle_timeout: 300
        """
        try yaml.write(toFile: workerConfig, atomically: true, encoding: .utf8)
    }

    /// Stops the server and removes its folder.
    func shutdown() { server.destroy() }

    /// A new connection.
    func connection() throws -> RedisConnection {
        try RedisConnection(url: url, options: RedisOptions(commandTimeout: 60))
    }

    /// A fresh namespace name (the database is flushed first: each scenario starts empty).
    func freshNamespace(_ prefix: String) throws -> String {
        namespaceCounter += 1
        try connection().send("FLUSHALL")
        return "\(prefix)\(namespaceCounter)"
    }

    /// A client on `namespace`, configured with the defaults `orchestrator up` uses.
    func client(_ namespace: String, settings: SchedulerSettings = BenchContext.defaultSettings) throws -> SchedulerClient {
        let c = try SchedulerClient(redis: connection(), namespace: namespace)
        try c.configure(settings)
        return c
    }

    /// Scheduler settings of a default config.yaml.
    static var defaultSettings: SchedulerSettings { SchedulerSettings(config: .init()) }

    /// The redis-server version.
    func redisVersion() -> String {
        let info = (try? connection().send("INFO", "server").string) ?? ""
        return info.split(separator: "\r\n").first { $0.hasPrefix("redis_version:") }.map { String($0.dropFirst(14)) } ?? "?"
    }

    /// Prints a progress line to stderr.
    func log(_ text: String) {
        FileHandle.standardError.write(Data(("[swarm-bench] " + text + "\n").utf8))
    }
}
