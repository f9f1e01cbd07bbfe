import ArgumentParser
import Foundation
import Logging
import RedisKit
import Scheduler
import SwarmSupport

/// `orchestrator up`: the daemon — scheduler loop, ledger writer and worker supervisor.
struct UpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Run the scheduler, the ledger and N local workers until drained.",
        discussion: """
        With no Redis URL configured, starts its own redis-server on a unix socket under the state \
        directory (AOF on) and stops it on exit. SIGINT/SIGTERM drain (stop admitting, let running \
        tasks finish, stop workers, exit 0); a second SIGINT stops at once, requeueing running tasks.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Local worker processes to keep running.") var workers: Int = 2

    @Option(parsing: .upToNextOption, help: "Capabilities the local workers add (e.g. gpu docker).")
    var capability: [String] = []

    @Flag(help: "Exit 0 once every submitted task is finished.") var exitWhenDone = false

    func run() throws {
        let ctx = try global.context()
        var logger = Logger(label: "swarm.up")
        logger.logLevel = .info
        let up = UpRunner(ctx: ctx, logger: logger)
        let interrupts = up.interrupts
        let signals = SignalWatcher([SIGINT, SIGTERM]) { _ in
            let count = interrupts.increment()
            printError(count == 1 ? "draining: no new tasks start; running ones finish (Ctrl-C again to stop at once)"
                                  : "stopping at once; running tasks are requeued")
        }
        defer { signals.cancel() }
        try up.start(workers: workers, workerExtraArguments: capability.isEmpty ? [] : ["--capability"] + capability)
        printError("orchestrator up: namespace \(ctx.namespace), redis \(ctx.url), \(min(max(workers, 0), ctx.config.orchestrator.maxWorkers)) worker(s)")
        while up.step(exitWhenIdle: exitWhenDone) { sleepSeconds(0.2) }
        let final = up.client.flatMap { try? StatusSnapshot.gather($0) }
        up.shutdown()
        if let final { print(StatusCommand.render(final, workerTTL: SchedulerSettings(config: ctx.config).workerTTL)) }
        if up.interruptCount >= 2 { throw ExitCode.interrupted }
    }
}
