import ArgumentParser
import Foundation
import Planner
import Scheduler

/// Prints ledger tasks as a table (or JSON lines).
private func printTasks(_ tasks: [LedgerTask], json: Bool, empty: String) {
    if json {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for t in tasks { print(String(decoding: (try? enc.encode(t)) ?? Data(), as: UTF8.self)) }
        return
    }
    if tasks.isEmpty { print(empty); return }
    var table = Table("task", "state", "attempt", "worker", "tokens", "updated", "reason")
    let f = DateFormatter()
    f.dateFormat = "MM-dd HH:mm:ss"
    for t in tasks {
        table.add(t.gid, t.state, "\(t.attempt)", t.worker, "\(t.usage)",
                  f.string(from: Date(timeIntervalSince1970: Double(t.updated) / 1000)), t.reason)
    }
    print(table.render(), terminator: "")
}

extension TaskState: ExpressibleByArgument {}

/// `orchestrator queue`: tasks from the ledger, optionally by state.
struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue", abstract: "List tasks and their latest state (from the ledger).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only tasks in this state.")
    var status: TaskState?
    @Option(help: "Only tasks of this feature.")
    var feature: String?
    @Flag(help: "JSON lines.") var json = false

    func run() throws {
        let ledger = try global.context().ledger()
        printTasks(try orFail { try ledger.tasks(state: status, feature: feature) }, json: json, empty: "no tasks")
    }
}

/// `orchestrator review`: tasks waiting for a person.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review", abstract: "List tasks waiting for a person (needs_human), with the reason.",
        discussion: "Settle each with `orchestrator resolve ID done|pending|failed`.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "JSON lines.") var json = false

    func run() throws {
        let ledger = try global.context().ledger()
        printTasks(try orFail { try ledger.tasks(state: .needsHuman) }, json: json, empty: "nothing waits for review")
    }
}

/// `orchestrator failures`: dead-lettered tasks and what they took down.
struct FailuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "failures", abstract: "List failed and upstream_failed tasks.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "JSON lines.") var json = false

    func run() throws {
        let ledger = try global.context().ledger()
        let tasks = try orFail { try ledger.tasks(state: .failed) + ledger.tasks(state: .upstreamFailed) }
        printTasks(tasks, json: json, empty: "no failures")
    }
}

/// `orchestrator resolve`: settle needs_human or failed tasks.
struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Settle a needs_human or failed task: done, pending (run again) or failed.",
        discussion: "`resolve all [STATE]` settles every task waiting for review with STATE (default done).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Task id (feature/task), or `all`.") var id: String
    @Argument(help: "done, pending or failed (default: done).") var state: String = "done"
    @Option(help: "A note recorded with the resolution.") var notes: String = ""

    func run() throws {
        guard let resolution = Resolution(rawValue: state) else {
            printError("error: '\(state)' is not a resolution; use done, pending or failed")
            throw ExitCode.argumentInvalid
        }
        let client = try global.context().client()
        let ids: [String]
        if id == "all" {
            ids = try orFail { try client.tasksWaitingForHuman() }
            if ids.isEmpty { print("nothing waits for review"); return }
        } else {
            ids = [id]
        }
        for gid in ids {
            let new = try orFail { try client.resolve(gid, resolution, notes: notes) }
            print(terminalSafe("\(gid) -> \(new)"))
        }
    }
}

/// `orchestrator cancel`: stop a task or a whole feature.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a task (feature/task) or, with --feature, a whole feature.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Task id or feature id.") var id: String
    @Flag(help: "ID is a feature: cancel all its unfinished tasks.") var feature = false

    func run() throws {
        let client = try global.context().client()
        let n = try orFail { try client.cancel(id, feature: feature, reason: "cancelled from the command line") }
        print("cancelled \(n) task(s)")
    }
}
