/// Weights of the composite load score; they need not sum to 1.
public struct HostLoadWeights: Sendable, Equatable {
    /// Weight of CPU utilisation.
    public var cpu: Double
    /// Weight of memory use.
    public var memory: Double
    /// Weight of the 1-minute load average per core.
    public var load: Double

    /// Creates weights.
    public init(cpu: Double, memory: Double, load: Double) {
        self.cpu = cpu
        self.memory = memory
        self.load = load
    }

    /// CPU 0.4, memory 0.3, load 0.3.
    public static let `default` = HostLoadWeights(cpu: 0.4, memory: 0.3, load: 0.3)
}

/// One reading of how busy the host is.
public struct HostLoad: Sendable, Equatable {
    /// CPU busy time over the sampling window, 0–100, all cores together.
    public var cpuPercent: Double
    /// Memory in use (total minus available), 0–100.
    public var memoryPercent: Double
    /// 1-minute load average.
    public var loadAverage: Double
    /// Online CPU cores.
    public var cores: Int

    /// Creates a reading.
    public init(cpuPercent: Double, memoryPercent: Double, loadAverage: Double, cores: Int) {
        self.cpuPercent = cpuPercent
        self.memoryPercent = memoryPercent
        self.loadAverage = loadAverage
        self.cores = cores
    }

    /// Load average divided by cores: 1 means every core has one runnable task.
    public var loadPerCore: Double { loadAverage / Double(max(cores, 1)) }

    /// A composite score from 0 (idle) to 1 (saturated): the weighted mean of CPU use,
    /// memory use and load per core (capped at 1).
    public func score(weights: HostLoadWeights = .default) -> Double {
        let total = weights.cpu + weights.memory + weights.load
        guard total > 0 else { return 0 }
        let sum = weights.cpu * cpuPercent / 100 + weights.memory * memoryPercent / 100
            + weights.load * min(loadPerCore, 1)
        return min(max(sum / total, 0), 1)
    }

    /// Whether the host is above either limit; a worker on such a host stops claiming.
    /// - Parameter maxLoadPerCore: an optional third limit on ``loadPerCore``.
    public func isOverloaded(maxCPUPercent: Double, maxMemoryPercent: Double, maxLoadPerCore: Double? = nil) -> Bool {
        cpuPercent > maxCPUPercent || memoryPercent > maxMemoryPercent
            || maxLoadPerCore.map { loadPerCore > $0 } ?? false
    }
}
