import ArgumentParser
import Foundation
import Planner
import Scheduler

/// `orchestrator status`: tasks by state, queues, workers, budgets and rate-limit headroom.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Print a snapshot of the namespace.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    func run() throws {
        let ctx = try global.context()
        let client = try ctx.client()
        let snap = try orFail { try StatusSnapshot.gather(client) }
        print(json ? snap.json : StatusCommand.render(snap, workerTTL: SchedulerSettings(config: ctx.config).workerTTL))
        if !json, let merges = try? MergeQueueStatus.gather(client), !merges.isEmpty { print(StatusCommand.render(merges)) }
    }

    /// The snapshot as text, control characters escaped (names come from Redis).
    static func render(_ s: StatusSnapshot, workerTTL: Double) -> String {
        terminalSafe(renderRaw(s, workerTTL: workerTTL), multiline: true)
    }

    private static func renderRaw(_ s: StatusSnapshot, workerTTL: Double) -> String {
        var out = "namespace \(s.namespace)" + (s.draining ? "  (DRAINING: nothing is admitted)" : "") +
            (s.desiredWorkers.map { "  desired workers: \($0)" } ?? "") + "\n\n"
        var t = Table("state", "tasks")
        for st in TaskState.allCases.map(\.rawValue) where (s.tasks[st] ?? 0) > 0 { t.add(st, "\(s.tasks[st]!)") }
        out += t.render() + "\n"
        let w = s.workerCounts(ttl: workerTTL)
        out += "workers: \(w.idle) idle, \(w.working) working, \(w.dead) dead\n"
        if !s.workers.isEmpty {
            var wt = Table("worker", "host", "pid", "state", "task", "load", "seen")
            for x in s.workers {
                wt.add(x.id, x.host, "\(x.pid)", x.lastSeenSeconds > workerTTL ? "dead" : x.state, x.task,
                       String(format: "%.2f", x.load), String(format: "%.1fs ago", x.lastSeenSeconds))
            }
            out += wt.render()
        }
        out += "\nqueues: " + (s.queues.isEmpty ? "none" : s.queues.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        out += "  ready=\(s.ready) delayed=\(s.delayed) dead_letters=\(s.dead) needs_human=\(s.needsHuman)\n"
        if !s.budgets.isEmpty {
            var bt = Table("feature", "state", "used", "reserved", "limit")
            for b in s.budgets { bt.add(b.feature, b.state, "\(b.used)", "\(b.reserved)", b.limit > 0 ? "\(b.limit)" : "none") }
            out += "\n" + bt.render()
        }
        let limited = s.rates.filter { $0.perSecond > 0 || $0.maxConcurrent > 0 }
        if !limited.isEmpty {
            var rt = Table("type", "rate/s", "starts available", "running", "max_concurrent")
            for r in limited {
                rt.add(r.type, r.perSecond > 0 ? String(format: "%g", r.perSecond) : "-", r.available < 0 ? "unlimited" : "\(r.available)",
                       "\(r.running)", r.maxConcurrent > 0 ? "\(r.maxConcurrent)" : "-")
            }
            out += "\n" + rt.render()
        }
        return out
    }

    /// The merge queues as a table: a stopped queue shows why.
    static func render(_ merges: [MergeQueueStatus]) -> String {
        var t = Table("feature", "integration branch", "merging", "merger", "merges")
        for m in merges {
            t.add(m.feature, m.integrationBranch, "\(m.queued)", m.merger.split(separator: "#").first.map(String.init) ?? "",
                  m.stopped.isEmpty ? "on" : "STOPPED: \(m.stopped)")
        }
        return terminalSafe("\n" + t.render(), multiline: true)
    }
}
