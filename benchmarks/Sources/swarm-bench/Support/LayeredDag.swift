import Scheduler

/// The benchmark DAG shared with the Celery peer: `layers` layers of `width` no-op tasks; task
/// (l, i) for l ≥ 1 depends on two distinct random tasks of layer l − 1, drawn in (l, i) order
/// with one `random.Random(seed)` as `sample(range(width), 2)` (see `build_dag` in
/// `benchmarks/peers/celery/bench.py`).
struct LayeredDag {
    /// Number of layers.
    let layers: Int
    /// Tasks per layer.
    let width: Int
    /// The generator seed.
    let seed: UInt32
    /// parents[l][i] = the two parent indices in layer l − 1 (empty for layer 0).
    let parents: [[(Int, Int)]]

    /// Generates the graph.
    init(layers: Int, width: Int, seed: UInt32) {
        self.layers = layers
        self.width = width
        self.seed = seed
        var random = PythonRandom(seed: seed)
        var all: [[(Int, Int)]] = [[]]
        for _ in 1..<max(1, layers) {
            var row: [(Int, Int)] = []
            row.reserveCapacity(width)
            for _ in 0..<width { row.append(random.samplePair(from: width)) }
            all.append(row)
        }
        parents = all
    }

    /// Total tasks.
    var count: Int { layers * width }

    /// The edges as `[l, i, p0, p1]` rows, the shape of `bench.py --dump-dag`'s `parents`.
    var edgeRows: [[Int]] {
        var rows: [[Int]] = []
        for l in 1..<max(1, layers) {
            for i in 0..<width { rows.append([l, i, parents[l][i].0, parents[l][i].1]) }
        }
        return rows
    }

    /// The graph as scheduler records of feature `feature` (ids `t<l>_<i>`).
    func records(feature: String) -> [TaskRecord] {
        var out: [TaskRecord] = []
        out.reserveCapacity(count)
        for l in 0..<layers {
            for i in 0..<width {
                var deps: [String] = []
                if l > 0 {
                    let (a, b) = parents[l][i]
                    deps = ["\(feature)/t\(l - 1)_\(a)", "\(feature)/t\(l - 1)_\(b)"]
                }
                out.append(NoopTasks.record(feature: feature, id: "t\(l)_\(i)", dependsOn: deps))
            }
        }
        return out
    }
}
