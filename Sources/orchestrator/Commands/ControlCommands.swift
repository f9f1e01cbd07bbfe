import ArgumentParser
import Foundation
import RedisKit
import Scheduler
import SwarmSupport

/// Control of running orchestrators through the namespace's `control` hash (works from any shell).
enum Control {
    /// Live workers: heartbeat within the TTL and not dead/stopped.
    static func liveWorkers(_ c: SchedulerClient, ttl: Double) throws -> Int {
        let s = try StatusSnapshot.gather(c)
        return s.workers.filter { $0.lastSeenSeconds <= ttl && ($0.state == "idle" || $0.state == "working") }.count
    }

    /// Orchestrators that reported within the last 5 s.
    static func liveOrchestrators(_ c: SchedulerClient) throws -> Int {
        try c.liveOrchestrators(within: 5)
    }

    static func scale(_ ctx: Context, to asked: Int, timeout: Double) throws {
        guard asked >= 0 else {
            printError("error: cannot scale to \(asked) workers; give a count of 0 or more")
            throw ExitCode.argumentInvalid
        }
        // `up` caps the count too (with its own config); capping here says so to the person asking.
        let limit = ctx.config.orchestrator.maxWorkers
        let n = min(asked, limit)
        if asked > limit { print("orchestrator.max_workers is \(limit): scaling to \(limit) worker(s), not \(asked)") }
        let c = try ctx.client()
        try orFail { try c.setDesiredWorkers(n) }
        let ttl = SchedulerSettings(config: ctx.config).workerTTL
        let deadline = Monotonic.now() + timeout
        var live = -1
        while Monotonic.now() < deadline {
            live = try orFail { try liveWorkers(c, ttl: ttl) }
            if live == n { print("scaled to \(n) worker(s)"); return }
            sleepSeconds(0.1)
        }
        printError("error: asked for \(n) worker(s), \(live) running after \(Int(timeout)) s; is `orchestrator up` running on this namespace?")
        throw ExitCode.operationFailed
    }

    static func drain(_ ctx: Context, timeout: Double) throws {
        let c = try ctx.client()
        try orFail { try c.setDraining(true) }
        print("draining: nothing new is admitted; waiting for running tasks and workers to finish")
        let deadline = Monotonic.now() + timeout
        while Monotonic.now() < deadline {
            if try orFail({ try liveOrchestrators(c) }) == 0 {
                let snap = try orFail { try StatusSnapshot.gather(c) }
                print(StatusCommand.render(snap, workerTTL: SchedulerSettings(config: ctx.config).workerTTL))
                return
            }
            sleepSeconds(0.2)
        }
        printError("error: still draining after \(Int(timeout)) s")
        throw ExitCode.operationFailed
    }
}

/// `orchestrator scale N`.
struct ScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scale", abstract: "Set the number of local workers of running orchestrators and wait until reached.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Desired worker count.") var count: Int
    @Option(help: "Seconds to wait.") var timeout: Double = 30
    func run() throws { try Control.scale(global.context(), to: count, timeout: timeout) }
}

/// `orchestrator drain`.
struct DrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drain", abstract: "Stop admission, let running tasks finish, stop workers; print the final snapshot.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Seconds to wait.") var timeout: Double = 600
    func run() throws { try Control.drain(global.context(), timeout: timeout) }
}

/// `orchestrator kill-all`.
struct KillAllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill-all", abstract: "Stop every worker now and requeue their tasks (desired workers becomes 0).")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        let ctx = try global.context()
        let c = try ctx.client()
        try orFail { try c.killAllWorkers() }
        let ttl = SchedulerSettings(config: ctx.config).workerTTL
        let deadline = Monotonic.now() + 15
        while Monotonic.now() < deadline {
            if try orFail({ try Control.liveWorkers(c, ttl: ttl) }) == 0 { print("all workers stopped; their tasks were requeued"); return }
            sleepSeconds(0.1)
        }
        printError("error: workers still registered after 15 s")
        throw ExitCode.operationFailed
    }
}
