import Foundation
import Scheduler
import SwarmSupport
import Synchronization
import WorkerAgent

/// 9. Workspaces: how long a worktree takes to be ready for a task (`prepare`: fetch the
/// integration branch into the host's mirror, `git worktree add` from its head) and how long a
/// task's branch takes to land on the integration branch (`merge`: fetch, `git merge-tree`,
/// `git commit-tree`, compare-and-swap push), in a repository of 5,000 files / 50 MB, with 1 and
/// 4 workers of one host at once. With 4 workers each merges into its own feature's integration
/// branch: one feature's merges are one at a time by design.
struct WorkspaceScenario: Scenario {
    let name = "workspace"

    func run(_ ctx: BenchContext, earlier: [ScenarioResult]) throws -> ScenarioResult {
        let files = ctx.quick ? 500 : 5000
        let fileBytes = 10_000
        let perWorker = ctx.quick ? 3 : 8
        let root = NSTemporaryDirectory() + "swarm-bench-ws-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let repository = try BenchRepository.make(root: root, files: files, fileBytes: fileBytes)
        var result = ScenarioResult(name: name, setup: "bare repository of \(files) files × \(fileBytes / 1000) kB "
            + "(\(files * fileBytes / 1_000_000) MB, incompressible) by file:// URL; \(perWorker) tasks per worker per run, each "
            + "writes one file, commits and pushes its branch (not timed), then merges (a merge commit: the head moved); "
            + "one workspace root per host; the mirror's first fetch (a clone, once per host) is not counted; \(ctx.runs) runs")
        for workers in [1, 4] {
            var prepareP50 = Sample(), prepareP99 = Sample(), mergeP50 = Sample(), mergeP99 = Sample()
            for run in 1...ctx.runs {
                let host = root + "/host-\(workers)-\(run)"
                let git = Git(timeout: 300)
                let workspaces = Workspaces(root: host, host: "bench", git: git, maxWorkspaces: 10_000)
                _ = try? MirrorCache(root: host, git: git).fetched(repository.url, branches: ["main"])
                let timings = Timings()
                let finished = DispatchSemaphore(value: 0)
                for w in 0..<workers {
                    let integration = "swarm/b\(workers)-\(run)-\(w)"
                    try repository.branch(integration)
                    Thread {
                        defer { finished.signal() }
                        for i in 0..<perWorker {
                            do {
                                try Self.task(workspaces: workspaces, url: repository.url, integration: integration,
                                              feature: "b\(workers)r\(run)w\(w)", task: "t\(i)", timings: timings)
                            } catch {
                                timings.fail("\(error)")
                                return
                            }
                        }
                    }.start()
                }
                for _ in 0..<workers { finished.wait() }
                if let error = timings.error { throw BenchError.setup("workspace: \(error)") }
                let (prepare, merge) = timings.values
                prepareP50.add(percentile(prepare, 0.5) * 1000)
                prepareP99.add(percentile(prepare, 0.99) * 1000)
                mergeP50.add(percentile(merge, 0.5) * 1000)
                mergeP99.add(percentile(merge, 0.99) * 1000)
                try? FileManager.default.removeItem(atPath: host)
            }
            let full = files == 5000
            result.metrics.append(Metric("prepare (worktree ready) p50, \(workers) worker(s)", "ms", prepareP50, target: full ? .atMost(150) : nil))
            result.metrics.append(Metric("prepare p99, \(workers) worker(s)", "ms", prepareP99))
            result.metrics.append(Metric("merge into the integration branch p50, \(workers) worker(s)", "ms", mergeP50,
                                         target: full ? .atMost(200) : nil))
            result.metrics.append(Metric("merge p99, \(workers) worker(s)", "ms", mergeP99))
        }
        return result
    }

    /// One task: prepare (timed), write a file, commit, push, merge (timed), remove the worktree.
    private static func task(workspaces: Workspaces, url: String, integration: String, feature: String, task: String,
                             timings: Timings) throws {
        let request = WorkspaceRequest(repository: url, integrationBranch: integration, feature: feature, task: task,
                                       attempt: 1, artifacts: ["out/"], title: task)
        let t0 = Monotonic.now()
        let ws = try workspaces.prepare(request)
        let prepared = Monotonic.now() - t0
        try "\(feature) \(task)\n".write(toFile: ws.path + "/\(feature)-\(task).txt", atomically: true, encoding: .utf8)
        let commit = try workspaces.commit(ws)
        try workspaces.push(ws, commit.commit)
        let t1 = Monotonic.now()
        let outcome = try BranchMerge.merge(repository: url, integrationBranch: integration,
                                            branch: TaskBranch(name: request.branch, commit: commit.commit),
                                            workspaceRoot: workspaces.root, message: "Merge \(request.branch)")
        let merged = Monotonic.now() - t1
        guard case .merged = outcome else { throw BenchError.setup("\(request.branch) did not merge: \(outcome)") }
        workspaces.abandon(ws)
        timings.add(prepare: prepared, merge: merged)
    }
}

/// Per-operation times gathered from the worker threads of one run.
private final class Timings: Sendable {
    private let state = Mutex<(prepare: [Double], merge: [Double], error: String?)>(([], [], nil))
    func add(prepare: Double, merge: Double) { state.withLock { $0.prepare.append(prepare); $0.merge.append(merge) } }
    func fail(_ error: String) { state.withLock { if $0.error == nil { $0.error = error } } }
    var values: ([Double], [Double]) { state.withLock { ($0.prepare, $0.merge) } }
    var error: String? { state.withLock { $0.error } }
}

/// The `q` quantile (nearest rank) of `values`.
private func percentile(_ values: [Double], _ q: Double) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return .nan }
    return s[min(s.count - 1, max(0, Int((q * Double(s.count)).rounded(.up)) - 1))]
}

/// The benchmark's repository: a bare repository with `files` files of incompressible bytes on
/// `main`, made once per scenario (not timed).
struct BenchRepository {
    let bare: String
    let seed: String
    var url: String { "file://" + bare }

    static func make(root: String, files: Int, fileBytes: Int) throws -> BenchRepository {
        let repo = BenchRepository(bare: root + "/repo.git", seed: root + "/seed")
        try FileManager.default.createDirectory(atPath: repo.seed, withIntermediateDirectories: true)
        try run(["init", "-q", "-b", "main", repo.seed], in: root)
        var rng = SplitMix64(seed: 9)
        for i in 0..<files {
            let dir = repo.seed + "/src/d\(i / 100)"
            if i % 100 == 0 { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            var bytes = [UInt8](repeating: 0, count: fileBytes)
            for j in stride(from: 0, to: fileBytes, by: 8) {
                var v = rng.next()
                for k in j..<min(j + 8, fileBytes) { bytes[k] = UInt8(truncatingIfNeeded: v); v >>= 8 }
            }
            _ = FileManager.default.createFile(atPath: dir + "/f\(i).bin", contents: Data(bytes))
        }
        try run(["add", "-A"], in: repo.seed)
        try run(["commit", "-q", "-m", "\(files) files"], in: repo.seed)
        try run(["init", "-q", "--bare", "-b", "main", repo.bare], in: root)
        try run(["push", "-q", repo.bare, "main"], in: repo.seed)
        return repo
    }

    /// Creates integration branch `name` at `main`.
    func branch(_ name: String) throws {
        try Self.run(["push", "-q", bare, "main:refs/heads/\(name)"], in: seed)
    }

    static func run(_ arguments: [String], in directory: String) throws {
        _ = try Git(timeout: 600).run(arguments, in: directory)
    }
}
