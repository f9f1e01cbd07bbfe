import ArgumentParser
import Foundation
import Logging
import Planner
import RedisKit
import Scheduler

/// `orchestrator demo`: the demo feature end to end on an embedded Redis, in a fresh git
/// repository under a temporary folder, with live progress and a summary table.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the demo feature end to end on an embedded Redis (exit 0 when it succeeds).")

    @Option(help: "The demo plan.") var plan: String = "examples/demo.yaml"
    @Option(help: "Worker processes.") var workers: Int = 3
    @Option(help: "Give up after this many seconds.") var timeout: Double = 120
    @Flag(help: "Keep the temporary repository (its path is printed).") var keep = false

    func run() throws {
        let fm = FileManager.default
        let root = NSTemporaryDirectory() + "swarm-demo-\(getpid())"
        let repo = root + "/repo"
        try fm.createDirectory(atPath: repo, withIntermediateDirectories: true)
        defer { if !keep { try? fm.removeItem(atPath: root) } }
        _ = runQuiet(["git", "init", "-q", repo])

        var cfg = SwarmConfig()
        cfg.redis.url = ""
        cfg.redis.namespace = "demo"
        cfg.orchestrator.stateDir = root + "/state"
        cfg.orchestrator.ledgerPath = root + "/state/ledger.sqlite"
        cfg.orchestrator.retryBase = 0.3
        cfg.orchestrator.tick = 0.2
        cfg.worker.heartbeatInterval = 0.5
        let ctx = try Context(config: cfg, configPath: nil, wait: 5)

        let loaded: Plan
        do {
            var p = try PlanLoader(config: cfg).load(path: plan)
            p.feature.repo = repo
            loaded = p
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        // A secret the `secret` task prints: the redactor must catch it everywhere.
        let key = "sk-demo-" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + "abcdefghijkl"
        setenv("DEMO_API_KEY", key, 1)

        var logger = Logger(label: "swarm.demo")
        logger.logLevel = .warning
        let up = UpRunner(ctx: ctx, logger: logger)
        print("Swarm demo: \(loaded.feature.tasks.count) tasks, \(workers) workers, embedded Redis at \(ctx.url.address)")
        print("repository: \(repo)\n")
        try up.start(workers: workers)
        defer { up.shutdown() }
        guard let client = up.client else { throw ExitCode(1) }
        let signer = try ctx.submitSigner()
        let submitted = try orFail { try client.submit(plan: loaded, idempotencyKey: "demo-\(getpid())", signer: signer) }
        print("submitted feature \(submitted.feature) (\(submitted.created) tasks)\n")

        let reader = EventReader(redis: try ctx.connect(), namespace: ctx.namespace)
        var last = "0"
        var outcome: String?
        let deadline = Monotonic.now() + timeout
        while outcome == nil && Monotonic.now() < deadline {
            _ = up.step()
            let batch = try orFail { try reader.follow(after: last, blockSeconds: 0.2) }
            for e in batch {
                last = e.id
                if Self.shownStates.contains(e.type) || ["deferred", "worker_registered", "feature_succeeded"].contains(e.type) {
                    print(terminalSafe(Self.demoLine(e)))
                }
                if e.type == "feature_succeeded" { outcome = "succeeded" }
                if [TaskState.failed, .needsHuman, .upstreamFailed].map(\.rawValue).contains(e.type) { outcome = e.type + " (" + e.task + ")" }
            }
            fflush(nil)
        }
        print("")
        let fields = loaded.feature.tasks.map { t in (t.id, (try? client.taskFields(t.globalID)) ?? [:]) }
        var table = Table("task", "state", "attempts", "worker", "seconds", "result")
        for (id, f) in fields {
            let secs = (Double(f["finished"] ?? "") ?? 0) - (Double(f["started_at"] ?? "") ?? 0)
            let result = (f["result"] ?? f["error"] ?? "").split(separator: "\n").last.map(String.init) ?? ""
            table.add(id, f["state"] ?? "?", f["attempt"] ?? "0", String((f["worker"] ?? "").suffix(14)),
                      secs > 0 ? String(format: "%.2f", secs / 1000) : "-", result)
        }
        print(table.render(), terminator: "")
        let secretOutput = fields.first { $0.0 == "secret" }?.1["result"] ?? ""
        let leaked = secretOutput.contains(key)
        print("\nsecret task output: \(secretOutput.split(separator: "\n").first.map(String.init) ?? "")")
        print(leaked ? "LEAK: the API key reached Redis unredacted" : "the API key was redacted before it reached Redis, the ledger or this terminal")
        print(outcome == "succeeded" ? "\ndemo feature succeeded" : "\ndemo did not succeed: \(outcome ?? "timed out after \(Int(timeout)) s")")
        if keep { print("kept \(root)") }
        if outcome != "succeeded" || leaked { throw ExitCode(1) }
    }

    /// The state changes the demo prints as they happen (event type = the state entered).
    static let shownStates = Set([TaskState.dispatched, .running, .succeeded, .retrying, .failed, .needsHuman, .upstreamFailed].map(\.rawValue))

    static func demoLine(_ e: SwarmEvent) -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss.SSS"
        let time = f.string(from: Date(timeIntervalSince1970: Double(e.ts) / 1000))
        let what: String
        switch e.type {
        case "worker_registered": what = "worker \(e.fields["worker"] ?? "") joined"
        case "feature_succeeded": what = "feature \(e.feature) succeeded"
        case "deferred": what = "\(e.task) waits: \(e.fields["reason"] ?? "")"
        case TaskState.retrying.rawValue: what = "\(e.task) failed (\(e.fields["reason"] ?? "")), retrying in \(e.fields["retry_in_ms"] ?? "?") ms"
        case TaskState.running.rawValue: what = "\(e.task) started on \(e.fields["worker"] ?? "") (attempt \(e.fields["attempt"] ?? "?"))"
        default: what = "\(e.task) \(e.type)" + ((e.fields["reason"]).map { ": \($0)" } ?? "")
        }
        return "\(time)  \(what)"
    }

    private func runQuiet(_ argv: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}
