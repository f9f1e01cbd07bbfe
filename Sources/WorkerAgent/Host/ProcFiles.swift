#if canImport(Glibc)
import Glibc
#endif

/// Reads and parses the `/proc` files behind ``HostLoad``.
enum ProcFiles {
    /// Cumulative CPU time from the aggregate `cpu` line of `/proc/stat`, in ticks.
    struct CPUTimes: Equatable {
        var busy: UInt64
        var total: UInt64
    }

    /// Reads a whole file; `/proc` files report size 0, so read until end of file.
    static func read(_ path: String) throws(HostLoadError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, errno: errno)
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The aggregate CPU times and the number of `cpuN` lines (online cores).
    static func parseStat(_ text: String, path: String = "/proc/stat") throws(HostLoadError) -> (CPUTimes, cores: Int) {
        var times: CPUTimes?
        var cores = 0
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let name = fields.first, name.hasPrefix("cpu") else { continue }
            if name == "cpu" {
                // user nice system idle iowait irq softirq steal [guest guest_nice]:
                // guest time is already counted in user and nice.
                let values = fields.dropFirst().prefix(8).compactMap { UInt64($0) }
                guard values.count >= 4 else { throw .malformed(path: path, detail: "short cpu line \(line)") }
                let idle = values[3] + (values.count > 4 ? values[4] : 0)
                let total = values.reduce(0, +)
                times = CPUTimes(busy: total - idle, total: total)
            } else if name.dropFirst(3).allSatisfy(\.isNumber) {
                cores += 1
            }
        }
        guard let times else { throw .malformed(path: path, detail: "no aggregate cpu line") }
        return (times, max(cores, 1))
    }

    /// CPU busy percentage between two readings; 0 when no time passed.
    static func cpuPercent(from old: CPUTimes, to new: CPUTimes) -> Double {
        guard new.total > old.total, new.busy >= old.busy else { return 0 }
        return min(100, Double(new.busy - old.busy) / Double(new.total - old.total) * 100)
    }

    /// Memory in use, in percent, from `/proc/meminfo` (MemAvailable, or free + buffers +
    /// cached on kernels without it).
    static func parseMemoryPercent(_ text: String, path: String = "/proc/meminfo") throws(HostLoadError) -> Double {
        var kilobytes: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let value = parts[1].split(separator: " ").first.flatMap({ Double($0) }) else { continue }
            kilobytes[String(parts[0])] = value
        }
        guard let total = kilobytes["MemTotal"], total > 0 else { throw .malformed(path: path, detail: "no MemTotal") }
        let available = kilobytes["MemAvailable"]
            ?? ((kilobytes["MemFree"] ?? 0) + (kilobytes["Buffers"] ?? 0) + (kilobytes["Cached"] ?? 0))
        return min(max((total - available) / total * 100, 0), 100)
    }

    /// The 1-minute load average from `/proc/loadavg`.
    static func parseLoadAverage(_ text: String, path: String = "/proc/loadavg") throws(HostLoadError) -> Double {
        guard let first = text.split(separator: " ").first, let value = Double(first) else {
            throw .malformed(path: path, detail: "no load average in \(text.prefix(40).debugDescription)")
        }
        return value
    }
}
