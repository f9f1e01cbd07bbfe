import ArgumentParser
import Foundation

/// The `orchestrator` command line.
struct Orchestrator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrator",
        abstract: "Swarm: run swarms of AI coding agents and scripts over Redis.",
        discussion: """
        Quick start: `orchestrator demo` runs a small feature end to end on an embedded Redis.
        Daemon: `orchestrator up --workers 4`; then, from any shell:
          orchestrator --scale N   set the number of local workers, wait until reached
          orchestrator --drain     stop admission, finish running tasks, stop workers
          orchestrator --status    print the status snapshot
        (the same as the `scale`, `drain` and `status` subcommands).
        """,
        subcommands: [UpCommand.self, WorkerCommand.self, PlanCommand.self, SubmitCommand.self, StatusCommand.self,
                      EventsCommand.self, QueueCommand.self, ReviewCommand.self, FailuresCommand.self, ResolveCommand.self,
                      CancelCommand.self, WorkspacesCommand.self, DiscardCommand.self, ScaleCommand.self, DrainCommand.self, KillAllCommand.self, DemoCommand.self])

    /// `orchestrator --scale N`, `--drain` and `--status` are the subcommands `scale N`, `drain`
    /// and `status` written as flags. They are rewritten before parsing, because as real flags of
    /// the root command they would capture a subcommand's own `--status` (`queue --status S`).
    static func rewritingControlFlags(_ args: [String]) -> [String] {
        // Every subcommand names itself in its configuration.
        let subcommands = Set(configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"])
        guard let first = args.first, !subcommands.contains(first) else { return args }
        var rest = args
        for (i, a) in rest.enumerated() {
            switch a {
            case "--status", "--drain":
                rest.remove(at: i)
                return [String(a.dropFirst(2))] + rest
            case "--scale" where i + 1 < rest.count:
                let n = rest[i + 1]
                rest.removeSubrange(i...(i + 1))
                return ["scale", n] + rest
            case _ where a.hasPrefix("--scale="):
                rest.remove(at: i)
                return ["scale", String(a.dropFirst("--scale=".count))] + rest
            default:
                continue
            }
        }
        return args
    }
}
