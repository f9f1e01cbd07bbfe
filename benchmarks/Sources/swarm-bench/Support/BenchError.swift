/// Why a scenario could not produce figures.
enum BenchError: Error, CustomStringConvertible {
    /// Something did not finish in time.
    case timeout(String)
    /// A process or file the harness needs is missing or failed.
    case setup(String)

    var description: String {
        switch self {
        case let .timeout(m): return "timed out: \(m)"
        case let .setup(m): return m
        }
    }
}
