import Foundation
import RedisKit
import Scheduler
import SwarmSupport
import XCTest

/// A temp folder whose config has no Redis URL, so `up` starts (and keeps) its own embedded
/// redis-server in `state`, with its password in `state/redis.pass`.
struct EmbeddedWorkspace {
    let dir: String
    let namespace: String
    var stateDir: String { dir + "/state" }
    var configArgs: [String] { ["--config", dir + "/config.yaml"] }

    /// `orchestrator` holds extra `key: value` lines of the `orchestrator:` section.
    init(namespace: String, durability: String = "everysec", orchestrator: [String] = []) throws {
        dir = NSTemporaryDirectory() + "swarm-embedded-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        self.namespace = namespace
        let config = fastTestConfig(dir: dir, redis: ["namespace: \(namespace)", "durability: \(durability)"],
                                    orchestrator: orchestrator)
        try config.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The embedded Redis's password, once `up` has created it.
    var password: String? {
        (try? String(contentsOfFile: stateDir + "/redis.pass", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The embedded Redis with its password.
    var url: RedisURL { RedisURL(endpoint: .unix(path: stateDir + "/redis.sock"), password: password) }

    /// Waits until `up` has its Redis answering and returns a client on the namespace.
    func client(timeout: Double = 20) throws -> SchedulerClient {
        let deadline = Monotonic.now() + timeout
        while true {
            if password != nil, let c = try? SchedulerClient(redis: RedisConnection(url: url), namespace: namespace) { return c }
            if Monotonic.now() > deadline { throw NSError(domain: "EmbeddedWorkspace", code: 1, userInfo: [NSLocalizedDescriptionKey: "the embedded Redis never answered"]) }
            sleepSeconds(0.05)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}

/// One row of the process table.
struct ProcessEntry: Equatable {
    let pid: pid_t
    let ppid: pid_t
    let comm: String
    let cmdline: [String]

    /// Every process, read from /proc.
    static func all() -> [ProcessEntry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { name -> ProcessEntry? in
            guard let pid = pid_t(name),
                  let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            let comm = String(stat[stat.index(after: open)..<close])
            let rest = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard rest.count > 1, let ppid = pid_t(rest[1]) else { return nil }
            let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(name)/cmdline"))) ?? Data()
            let args = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return ProcessEntry(pid: pid, ppid: ppid, comm: comm, cmdline: args)
        }
    }

    /// The children of `parent`.
    static func children(of parent: pid_t) -> [ProcessEntry] { all().filter { $0.ppid == parent } }
}

extension CLIProcess {
    /// How the process ended, in `waitpid` form (0 = exit 0, 13 = killed by SIGPIPE, n << 8 =
    /// exit n), or nil while it runs. Reads /proc for a child that exited but is not reaped yet,
    /// so a death is seen at once even when Foundation has not noticed it.
    var endStatus: Int32? {
        if !process.isRunning {
            let s = process.terminationStatus
            return process.terminationReason == .uncaughtSignal ? s : s << 8
        }
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        guard fields.first == "Z", let code = fields.last.flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else { return nil }
        return code
    }

    /// Waits up to `timeout` seconds for the process to end; its `endStatus`, or nil if it still runs.
    func waitForEnd(timeout: Double) -> Int32? {
        let deadline = Monotonic.now() + timeout
        while Monotonic.now() < deadline {
            if let s = endStatus { return s }
            sleepSeconds(0.02)
        }
        return endStatus
    }
}
