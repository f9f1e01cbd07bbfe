import Foundation

/// Samples ``HostLoad`` from `/proc`. CPU use is measured between consecutive samples, so
/// keep one sampler per worker and call ``sample()`` at each heartbeat.
public struct HostLoadSampler: Sendable {
    /// Where `/proc` is mounted (tests point it at a fixture directory).
    public let procRoot: String
    /// How long the first sample waits between its two CPU readings.
    public let initialWindow: Double
    private var previous: ProcFiles.CPUTimes?

    /// Creates a sampler.
    public init(procRoot: String = "/proc", initialWindow: Double = 0.1) {
        self.procRoot = procRoot
        self.initialWindow = initialWindow
    }

    /// Reads the host load. CPU use covers the time since the previous sample; the first
    /// sample blocks for ``initialWindow`` to have a window at all.
    /// - Throws: ``HostLoadError`` when `/proc` is missing or unreadable.
    public mutating func sample() throws(HostLoadError) -> HostLoad {
        let statPath = procRoot + "/stat"
        var (times, cores) = try ProcFiles.parseStat(try ProcFiles.read(statPath), path: statPath)
        let start: ProcFiles.CPUTimes
        if let previous {
            start = previous
        } else {
            start = times
            Thread.sleep(forTimeInterval: initialWindow)
            (times, cores) = try ProcFiles.parseStat(try ProcFiles.read(statPath), path: statPath)
        }
        previous = times
        let memPath = procRoot + "/meminfo"
        let loadPath = procRoot + "/loadavg"
        return HostLoad(
            cpuPercent: ProcFiles.cpuPercent(from: start, to: times),
            memoryPercent: try ProcFiles.parseMemoryPercent(try ProcFiles.read(memPath), path: memPath),
            loadAverage: try ProcFiles.parseLoadAverage(try ProcFiles.read(loadPath), path: loadPath),
            cores: cores)
    }
}
