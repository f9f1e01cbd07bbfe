import Foundation
import RedisKit
import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest

/// The built `orchestrator` executable (next to the test bundle).
let orchestratorPath: String = {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    if dir.path.hasSuffix(".xctest") || dir.lastPathComponent == "debug" && !FileManager.default.fileExists(atPath: dir.path + "/orchestrator") {
        dir = dir.deletingLastPathComponent()
    }
    for candidate in [dir.path + "/orchestrator", dir.deletingLastPathComponent().path + "/orchestrator"]
    where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    return dir.path + "/orchestrator"
}()

/// A child `orchestrator` process with captured output.
final class CLIProcess: @unchecked Sendable {
    let process = Process()
    private let out = Pipe()
    private let err = Pipe()
    private let lock = NSLock()
    private var outData = Data()
    private var errData = Data()

    init(_ args: [String], env: [String: String] = [:], cwd: String? = nil) throws {
        // Started as from a shell, with SIGPIPE at its default action: this test process ignores
        // it (for its own connections to Redis servers the tests kill), and an ignored signal
        // would be inherited, hiding a process that forgot to ignore it itself.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--default-signal=PIPE", orchestratorPath] + args
        var e = ProcessInfo.processInfo.environment
        e.removeValue(forKey: "SWARM_REDIS_URL")
        for (k, v) in env { e[k] = v }
        process.environment = e
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        process.standardOutput = out
        process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.outData.append(d) }
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.errData.append(d) }
        }
        try process.run()
    }

    /// Waits for exit (killing it after `timeout`); returns the status.
    @discardableResult
    func wait(timeout: Double = 60) -> Int32 {
        let deadline = Monotonic.now() + timeout
        while process.isRunning && Monotonic.now() < deadline { sleepSeconds(0.02) }
        if process.isRunning { process.terminate(); sleepSeconds(0.5); if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        process.waitUntilExit()
        sleepSeconds(0.05)
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }

    var stdout: String { lock.withLock { String(decoding: outData, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: errData, as: UTF8.self) } }

    /// Runs to completion.
    static func run(_ args: [String], env: [String: String] = [:], cwd: String? = nil, timeout: Double = 60) throws -> (Int32, String, String) {
        let p = try CLIProcess(args, env: env, cwd: cwd)
        let status = p.wait(timeout: timeout)
        return (status, p.stdout, p.stderr)
    }
}

/// A config.yaml tuned for fast tests (short retries, ticks, respawn backoff and heartbeats),
/// with state in `dir/state`; `redis` and `orchestrator` add `key: value` lines to their sections.
func fastTestConfig(dir: String, redis: [String], orchestrator: [String] = []) -> String {
    func lines(_ l: [String]) -> String { l.map { "  " + $0 + "\n" }.joined() }
    return "redis:\n" + lines(redis) + "orchestrator:\n" + lines([
        "retry_base: 0.05", "retry_max: 0.2", "tick: 0.1", "respawn_backoff_base: 0.02",
        "respawn_backoff_max: 0.05", "crash_loop_threshold: 1000",
        "state_dir: \(dir)/state", "ledger_path: \(dir)/state/ledger.sqlite",
    ] + orchestrator) + "worker:\n" + lines(["heartbeat_interval: 0.3"])
}

/// A temp folder with a config file tuned for fast tests, and the test Redis URL.
struct TestWorkspace {
    let dir: String
    let url: String
    let namespace: String

    /// `orchestrator` holds extra `key: value` lines of the `orchestrator:` section.
    init(namespace: String, extraConfig: String = "", orchestrator: [String] = []) throws {
        dir = NSTemporaryDirectory() + "swarm-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        TestRedis.start()
        url = "unix://" + TestRedis.server.socketPath
        self.namespace = namespace
        let config = fastTestConfig(dir: dir, redis: ["namespace: \(namespace)"], orchestrator: orchestrator) + extraConfig
        try config.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
    }

    var env: [String: String] { ["SWARM_REDIS_URL": url] }
    var configArgs: [String] { ["--config", dir + "/config.yaml"] }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func client() throws -> SchedulerClient {
        try SchedulerClient(redis: RedisConnection(url: TestRedis.server.url), namespace: namespace)
    }

    func events() throws -> [SwarmEvent] {
        let reader = EventReader(redis: try RedisConnection(url: TestRedis.server.url), namespace: namespace)
        var all: [SwarmEvent] = []
        var last = "0"
        while true {
            let batch = try reader.read(after: last, count: 5000)
            guard let l = batch.last else { return all }
            all += batch
            last = l.id
        }
    }
}

/// A plan of `n` independent tasks running `command`.
func planText(feature: String, count: Int, command: String, extra: (Int) -> String = { _ in "" }) -> String {
    var s = "feature: \(feature)\nbudget: 0\ntasks:\n"
    for i in 0..<count {
        s += "  - id: t\(i)\n    type: script\n    command: \"\(command)\"\n    retries: 0\n" + extra(i)
    }
    return s
}
