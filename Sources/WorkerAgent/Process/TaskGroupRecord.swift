#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SwarmSupport

/// A file naming the process group a worker's task runs in, so that whoever outlives the worker
/// (the supervisor, or the next `up`) can kill that group before the task runs again.
///
/// The worker writes it while the task's first process waits at the exec gate (see
/// ``ForkExec``), so no task code runs unrecorded, and removes it once the group is dead. The
/// record holds the leader's start time too: a pid number can be reused, and a reused one is
/// never killed.
public struct TaskGroupRecord: Sendable, Equatable {
    /// Path of the record.
    public let path: String

    /// A record at `path` (its directory must exist).
    public init(path: String) {
        self.path = path
    }

    /// Records `pgid` (a leader that exists now).
    func record(pgid: pid_t) {
        let start = ProcessInfoFile.startTime(of: pgid) ?? 0
        let text = "\(pgid) \(start)\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        close(fd)
    }

    /// Forgets the group (it is dead).
    func clear() { unlink(path) }

    /// The recorded group and its leader's start time, if any.
    public func read() -> (pgid: pid_t, start: UInt64)? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let pgid = pid_t(parts[0]), pgid > 1, let start = UInt64(parts[1]) else { return nil }
        return (pgid, start)
    }

    /// Kills the recorded group with SIGKILL, if it still is the recorded one, and waits up to
    /// `timeout` seconds for every member to be gone (reaping those re-parented to this
    /// process). Removes the record. Returns the pgid it killed, or nil when there was none.
    @discardableResult
    public func killRecordedGroup(timeout: Double = 2) -> pid_t? {
        defer { clear() }
        guard let (pgid, start) = read() else { return nil }
        return ProcessGroupKiller.kill(pgid: pgid, leaderStart: start, timeout: timeout) ? pgid : nil
    }
}

/// Kills a process group and waits for it to be gone.
public enum ProcessGroupKiller {
    /// Kills group `pgid` with SIGKILL unless its leader's pid has been reused (a live process
    /// `pgid` started at another time than `leaderStart`; 0 skips that check). Members that are
    /// this process's children (re-parented to a subreaper) are reaped. Returns whether it sent
    /// the signal.
    @discardableResult
    public static func kill(pgid: pid_t, leaderStart: UInt64, timeout: Double) -> Bool {
        guard pgid > 1, pgid != getpgrp() else { return false }
        if leaderStart != 0, let now = ProcessInfoFile.startTime(of: pgid), now != leaderStart { return false }
        // A pid cannot be reused while a group of that id has members, so if the leader is gone
        // (or the same), every member of `pgid` belongs to the recorded group.
        guard Glibc.kill(-pgid, SIGKILL) == 0 else { return false }
        let deadline = monotonicSeconds() + timeout
        while monotonicSeconds() < deadline {
            var status: Int32 = 0
            while waitpid(-pgid, &status, WNOHANG) > 0 {}
            if Glibc.kill(-pgid, 0) != 0 && errno == ESRCH { break }
            if ProcessInfoFile.groupMembers(pgid).allSatisfy({ ProcessInfoFile.state(of: $0) == "Z" }) { break }
            usleep(2_000)
        }
        return true
    }

    private static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Facts from `/proc/<pid>/stat` and `/proc/<pid>/cmdline`.
public enum ProcessInfoFile {
    /// Fields after the command name: index 0 is the state (field 3 of proc(5)).
    private static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// Start time in clock ticks after boot (field 22), or nil when there is no such process.
    public static func startTime(of pid: pid_t) -> UInt64? {
        guard let f = statFields(pid), f.count > 19 else { return nil }
        return UInt64(f[19])
    }

    /// One-letter state (R, S, Z…), or nil when there is no such process.
    public static func state(of pid: pid_t) -> String? {
        statFields(pid).flatMap { $0.first.map(String.init) }
    }

    /// Process group id, or nil when there is no such process.
    public static func processGroup(of pid: pid_t) -> pid_t? {
        guard let f = statFields(pid), f.count > 2 else { return nil }
        return pid_t(f[2])
    }

    /// Command line arguments, or nil when there is no such process.
    public static func commandLine(of pid: pid_t) -> [String]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Pids of the processes in group `pgid` (a scan of /proc).
    public static func groupMembers(_ pgid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { processGroup(of: $0) == pgid }
    }
}
