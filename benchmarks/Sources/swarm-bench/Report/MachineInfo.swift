import Foundation
import SwarmSupport

/// Where and when a benchmark ran: date, commit, machine and the exact command.
struct MachineInfo: Codable, Sendable {
    /// ISO-8601 UTC start time.
    var date: String
    /// `git rev-parse --short HEAD` (plus `-dirty` when the tree has changes).
    var commit: String
    /// Online CPUs.
    var cores: Int
    /// CPU model from /proc/cpuinfo.
    var cpu: String
    /// Total memory, MiB.
    var memoryMB: Int
    /// `uname -sr`.
    var kernel: String
    /// redis-server version.
    var redis: String
    /// The command line as run.
    var command: String
    /// /proc/loadavg at the start (other engineers share the machine).
    var loadAverage: String

    /// Collects the facts (git and redis-server are asked once each).
    static func collect(redisVersion: String) -> MachineInfo {
        let date = Date().formatted(Date.ISO8601FormatStyle())
        var commit = shell(["git", "rev-parse", "--short", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        if commit.isEmpty { commit = "unknown" }
        if !shell(["git", "status", "--porcelain", "--untracked-files=no"]).isEmpty { commit += "-dirty" }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let memKB = ProcStatus.field("MemTotal", file: "/proc/meminfo") ?? 0
        var u = utsname()
        uname(&u)
        let sys = withUnsafeBytes(of: u.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let rel = withUnsafeBytes(of: u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return MachineInfo(date: date, commit: commit, cores: ProcessInfo.processInfo.activeProcessorCount, cpu: model,
                           memoryMB: memKB / 1024, kernel: "\(sys) \(rel)", redis: redisVersion,
                           command: CommandLine.arguments.joined(separator: " "),
                           loadAverage: ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?")
                               .split(separator: " ").prefix(3).joined(separator: " "))
    }

    /// Output of a short command, "" on failure.
    static func shell(_ args: [String]) -> String {
        guard let run = try? ChildProcess.run(args, timeout: 30), run.status == 0 else { return "" }
        return run.stdout
    }
}

/// Reads `Name:  123 kB` lines of /proc files.
enum ProcStatus {
    /// The number after `name:` in `file`, nil if absent.
    static func field(_ name: String, file: String) -> Int? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
            return digits.flatMap { Int($0) }
        }
        return nil
    }

    /// Resident set size of `pid`, MiB.
    static func rssMB(pid: pid_t) -> Double? {
        field("VmRSS", file: "/proc/\(pid)/status").map { Double($0) / 1024 }
    }
}
