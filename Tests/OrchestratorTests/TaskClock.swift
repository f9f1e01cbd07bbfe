import Foundation

/// Evidence written by task processes themselves: a start line before the work, an end line
/// after it, and (for long tasks) "alive" lines from a background loop in the task's process
/// group, each with the shell's pid and `date +%s%N` (the wall clock every process shares).
enum TaskClock {
    /// One run of a task: one shell process.
    struct Attempt: Equatable, CustomStringConvertible {
        var task: String
        var pid: Int32
        var start: Int64
        var end: Int64?
        var lastAlive: Int64?
        var description: String { "\(task) pid \(pid) [\(start), \(end.map(String.init) ?? "-")]" }
        /// Last moment it is known to have run.
        var lastSeen: Int64 { max(end ?? start, lastAlive ?? start) }
    }

    /// A shell command (no double quotes: it goes into a YAML string) that logs start, runs
    /// `work`, logs end. With `aliveLoop`, a background loop logs "alive" every 10 ms.
    static func command(log: String, work: String, aliveLoop: Bool = false) -> String {
        let line = "${SWARM_TASK_ID#*/} $$"
        var c = "echo \(line) S $(date +%s%N) >> \(log); "
        if aliveLoop { c += "(while :; do echo \(line) A $(date +%s%N) >> \(log); sleep 0.01; done) & " }
        return c + "\(work); echo \(line) E $(date +%s%N) >> \(log)"
    }

    static func read(_ log: String) throws -> [Attempt] {
        var byPid: [Int32: Attempt] = [:]
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 4, let pid = Int32(f[1]), let t = Int64(f[3]) else { continue }
            var a = byPid[pid] ?? Attempt(task: String(f[0]), pid: pid, start: t)
            switch f[2] {
            case "S": a.start = t
            case "E": a.end = t
            default: a.lastAlive = max(a.lastAlive ?? t, t)
            }
            byPid[pid] = a
        }
        return byPid.values.sorted { $0.start < $1.start }
    }

    /// Pairs of attempts in the same group (`group` of the task id) whose known running times
    /// overlap: one started before the other was last seen running.
    static func overlaps(_ attempts: [Attempt], group: (String) -> Int) -> [String] {
        var found: [String] = []
        let byGroup = Dictionary(grouping: attempts) { group($0.task) }
        for (_, list) in byGroup {
            let sorted = list.sorted { $0.start < $1.start }
            for (i, a) in sorted.enumerated() {
                for b in sorted[(i + 1)...] where b.start < a.lastSeen {
                    found.append("\(a) and \(b)")
                }
            }
        }
        return found
    }
}
