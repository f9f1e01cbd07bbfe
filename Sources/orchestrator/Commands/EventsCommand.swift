import ArgumentParser
import Foundation
import Planner
import Scheduler

/// `orchestrator events`: the namespace's event stream, readable or as JSON lines.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Print the event stream (every state change).",
        discussion: "With --group and --consumer it reads through a consumer group and acknowledges what it printed (at-least-once).")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Keep printing new events as they come.")
    var follow = false

    @Flag(help: "One JSON object per line, for programs.")
    var json = false

    @Option(help: "Start after this stream id (default: the beginning; with --follow and no --since, only new events).")
    var since: String?

    @Option(help: "Consumer group to read through.")
    var group: String?

    @Option(help: "Consumer name within --group.")
    var consumer: String?

    func validate() throws {
        if (group == nil) != (consumer == nil) { throw ValidationError("--group and --consumer go together") }
    }

    func run() throws {
        let ctx = try global.context()
        let reader = EventReader(redis: try ctx.connect(), namespace: ctx.namespace)
        func show(_ events: [SwarmEvent]) {
            // Event fields carry plan text and reasons: escape what could drive the terminal.
            for e in events { print(json ? e.jsonLine : terminalSafe(e.line)) }
            fflush(nil)
        }
        try orFail {
            if let group, let consumer {
                try reader.ensureGroup(group, start: since ?? "0")
                repeat {
                    let batch = try reader.readGroup(group, consumer: consumer, count: 500, blockSeconds: follow ? 1 : 0.001)
                    show(batch)
                    try reader.ack(group, ids: batch.map(\.id))
                    if batch.isEmpty && !follow { break }
                } while true
                return
            }
            var last = since ?? (follow ? "$" : "0")
            if last != "$" {
                while true {
                    let batch = try reader.read(after: last, count: 1000)
                    show(batch)
                    guard let l = batch.last else { break }
                    last = l.id
                }
            }
            while follow {
                let batch = try reader.follow(after: last, blockSeconds: 1)
                show(batch)
                if let l = batch.last { last = l.id }
            }
        }
    }
}
