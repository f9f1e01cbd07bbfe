import ArgumentParser
import Foundation
import Logging
import Planner
import RedisKit
import Scheduler
import SwarmSupport
import WorkerAgent

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
        try Self.makeRepository(repo)

        // Workers are separate processes: they read this config file (state, workspaces).
        let configPath = root + "/config.yaml"
        try Self.configYAML(root: root).write(toFile: configPath, atomically: true, encoding: .utf8)
        let cfg: SwarmConfig
        do { cfg = try SwarmConfig.load(path: configPath, environment: [:]) } catch {
            printError("\(error)")
            throw ExitCode.operationFailed
        }
        let ctx = try Context(config: cfg, configPath: configPath, wait: 5)

        let loaded: Plan
        do {
            var p = try PlanLoader(config: cfg).load(path: plan)
            p.feature.repo = repo
            loaded = p
        } catch {
            printError("\(error)")
            throw ExitCode.planInvalid
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
        guard let client = up.client else { throw ExitCode.operationFailed }
        let signer = try ctx.submitSigner()
        let repository = try SubmitCommand.prepareRepository(of: loaded.feature, baseDirectory: root)
        let submitted = try orFail {
            try client.submit(plan: loaded, idempotencyKey: "demo-\(getpid())", signer: signer, repository: repository)
        }
        print("submitted feature \(submitted.feature) (\(submitted.created) tasks); work lands on \(repository?.integrationBranch ?? "-")\n")

        let reader = EventReader(redis: try ctx.connect(), namespace: ctx.namespace)
        var last = "0"
        var outcome: String?
        let deadline = Monotonic.now() + timeout
        while outcome == nil && Monotonic.now() < deadline {
            _ = up.step()
            let batch = try orFail { try reader.follow(after: last, blockSeconds: 0.2) }
            for e in batch {
                last = e.id
                if Self.shownStates.contains(e.type)
                    || ["merged", "merge_conflict", "deferred", "worker_registered", "feature_succeeded"].contains(e.type) {
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
        if let branch = repository?.integrationBranch {
            print("\n\(branch), as the merge queue built it (git log --graph --oneline):")
            print(terminalSafe(Self.graph(repo: repo, branch: branch), multiline: true), terminator: "")
        }
        print(outcome == "succeeded" ? "\ndemo feature succeeded" : "\ndemo did not succeed: \(outcome ?? "timed out after \(Int(timeout)) s")")
        if keep { print("kept \(root)") }
        if outcome != "succeeded" || leaked { throw ExitCode.operationFailed }
    }

    /// The state changes the demo prints as they happen (event type = the state entered).
    static let shownStates = Set([TaskState.dispatched, .running, .merging, .succeeded, .retrying, .failed, .needsHuman,
                                  .upstreamFailed].map(\.rawValue))

    static func demoLine(_ e: SwarmEvent) -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss.SSS"
        let time = f.string(from: Date(timeIntervalSince1970: Double(e.ts) / 1000))
        let what: String
        switch e.type {
        case "worker_registered": what = "worker \(e.fields["worker"] ?? "") joined"
        case "feature_succeeded": what = "feature \(e.feature) succeeded"
        case TaskState.merging.rawValue: what = "\(e.task) done; its branch waits in the merge queue"
        case "merged": what = "\(e.task) merged (\(e.fields["how"] ?? "")) -> \((e.fields["commit"] ?? "").prefix(10))"
        case "merge_conflict": what = "\(e.task) conflicts in \(e.fields["files"] ?? "")"
        case "deferred": what = "\(e.task) waits: \(e.fields["reason"] ?? "")"
        case TaskState.retrying.rawValue: what = "\(e.task) failed (\(e.fields["reason"] ?? "")), retrying in \(e.fields["retry_in_ms"] ?? "?") ms"
        case TaskState.running.rawValue: what = "\(e.task) started on \(e.fields["worker"] ?? "") (attempt \(e.fields["attempt"] ?? "?"))"
        default: what = "\(e.task) \(e.type)" + ((e.fields["reason"]).map { ": \($0)" } ?? "")
        }
        return "\(time)  \(what)"
    }

    /// A fresh repository with one commit on `main` (the integration branch starts there).
    static func makeRepository(_ repo: String) throws {
        for argv in [["init", "-q", "-b", "main", repo],
                     ["-C", repo, "-c", "user.name=Swarm demo", "-c", "user.email=demo@example.invalid",
                      "commit", "-q", "--allow-empty", "-m", "An empty toy project"]] {
            guard runQuiet(["git"] + argv).status == 0 else {
                printError("error: `git \(argv.joined(separator: " "))` failed; the demo needs git 2.38 or newer")
                throw ExitCode.operationFailed
            }
        }
    }

    /// The demo's config: everything under `root`, quick ticks and retries.
    static func configYAML(root: String) -> String {
        """
        redis:
          url: ""
          namespace: demo
        orchestrator:
          state_dir: "\(root)/state"
          ledger_path: "\(root)/state/ledger.sqlite"
          retry_base: 0.3
          tick: 0.2
        worker:
          heartbeat_interval: 0.5
          workspace_root: "\(root)/workspaces"

        """
    }

    /// `git log --graph --oneline` of `branch`.
    static func graph(repo: String, branch: String) -> String {
        runQuiet(["git", "-C", repo, "log", "--graph", "--oneline", "--no-color", branch]).output
    }

    /// Runs a short git command with a deadline; its status and standard output.
    private static func runQuiet(_ argv: [String]) -> (status: Int32, output: String) {
        guard let r = try? ChildProcess.run(argv, timeout: 30) else { return (-1, "") }
        return (r.status ?? -1, r.stdout)
    }
}
