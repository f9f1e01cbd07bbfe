import ArgumentParser
import Foundation
import Planner
import Scheduler
import WorkerAgent

/// `orchestrator workspaces [--feature F]`: the worktrees every host keeps (for a person, or
/// waiting for the merge queue), from the namespace's `workspaces` records.
struct WorkspacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workspaces", abstract: "List the task worktrees hosts keep: host, path, branch and why.",
        discussion: "Remove one with `orchestrator discard ID`. Worktrees of running attempts are not listed.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this feature's workspaces.") var feature: String?
    @Flag(help: "One JSON object per line instead of a table.") var json = false

    func run() throws {
        let ctx = try global.context()
        let c = try ctx.client()
        let records = try orFail { try c.workspaces(feature: feature) }
        if json {
            for r in records { print(r.encodedJSON()) }
            return
        }
        if records.isEmpty {
            print(feature.map { "no workspaces kept for feature \($0)" } ?? "no workspaces kept")
            return
        }
        var table = Table("ID", "HOST", "STATE", "BRANCH", "PATH", "WHY")
        for r in records { table.add(r.id, r.host, r.state.rawValue, r.branch, r.path, r.why) }
        print(table.render(), terminator: "")
    }
}

/// `orchestrator discard ID`: removes a kept worktree (and its kept branch in the host's mirror).
/// On the host that holds it, at once; for another host, the request waits in Redis until a
/// worker of that host sweeps (at its start and every 15 s).
struct DiscardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discard", abstract: "Remove a kept task worktree (ID as `orchestrator workspaces` lists it).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Workspace id: feature/task#attempt.") var id: String
    @Option(help: "This host's name, as its workers report it (default: the system host name).") var host: String?
    @Flag(help: "Only forget the record (its host is gone for good); removes nothing.") var forget = false

    func run() throws {
        let ctx = try global.context()
        let c = try ctx.client()
        guard let record = try orFail({ try c.workspace(id: id) }) else {
            printError("error: no workspace \(id); list them with `orchestrator workspaces`")
            throw ExitCode.operationFailed
        }
        if forget {
            try orFail { try c.forgetWorkspace(id: id) }
            print("forgot \(id) (nothing was removed on \(record.host))")
            return
        }
        let here = host ?? Capabilities.hostName()
        guard record.host == here, FileManager.default.fileExists(atPath: record.path) else {
            try orFail { try c.requestWorkspaceDiscard(id: id, host: record.host) }
            print("asked the workers of host \(record.host) to remove \(record.path); "
                  + "a worker there does it within 15 s (or when it next starts)")
            return
        }
        let workspaces = Workspaces(root: Context.absolute(ctx.config.worker.workspaceRoot), host: here, git: Git())
        guard workspaces.discard(record) else {
            printError("error: an attempt is running in \(record.path); stop it (or wait for it) before discarding")
            throw ExitCode.operationFailed
        }
        try orFail { try c.forgetWorkspace(id: id) }
        print("removed \(record.path) (branch \(record.branch))")
    }
}
