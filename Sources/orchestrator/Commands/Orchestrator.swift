import ArgumentParser
import Foundation

/// The `orchestrator` command line.
struct Orchestrator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrator",
        abstract: "Swarm: run swarms of AI coding agents and scripts over Redis.",
        discussion: """
        Quick start: `orchestrator demo` runs a small feature end to end on an embedded Redis.
        Daemon: `orchestrator up --workers 4`; from any shell: `orchestrator --scale 8`, \
        `orchestrator --status`, `orchestrator --drain`.
        """,
        subcommands: [UpCommand.self, WorkerCommand.self, PlanCommand.self, SubmitCommand.self, StatusCommand.self,
                      EventsCommand.self, QueueCommand.self, ReviewCommand.self, FailuresCommand.self, ResolveCommand.self,
                      CancelCommand.self, ScaleCommand.self, DrainCommand.self, KillAllCommand.self, DemoCommand.self])

    @OptionGroup var global: GlobalOptions

    @Option(help: "Change the number of local workers of the running orchestrator(s) and wait until reached.")
    var scale: Int?

    @Flag(help: "Stop admission, let running tasks finish, stop the workers and print a final snapshot.")
    var drain = false

    @Flag(help: "Print the status snapshot.")
    var status = false

    func run() throws {
        let ctx = try global.context()
        if let n = scale { try Control.scale(ctx, to: n, timeout: 30) }
        if drain { try Control.drain(ctx, timeout: 600) }
        if status {
            let c = try ctx.client()
            let snap = try orFail { try Scheduler.StatusSnapshot.gather(c) }
            print(StatusCommand.render(snap, workerTTL: Scheduler.SchedulerSettings(config: ctx.config).workerTTL))
        }
        if scale == nil && !drain && !status { print(Orchestrator.helpMessage()) }
    }
}

import Scheduler
