import Foundation
import Logging
import Planner
import RedisKit
import Scheduler
import SwarmTestSupport
import Synchronization
@testable import WorkerAgent

/// A `WorkerLoop` running on a thread of its own against the test Redis, as the worker tests
/// start one. Stop it with `defer { worker.stop() }`: a test stops what it started even when
/// it fails.
final class TestWorker: Sendable {
    /// The running worker.
    let loop: WorkerLoop
    private let exit = Mutex<WorkerExit?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// Starts worker `id` on `namespace` with `config` (default: trusting ``testSigner``),
    /// heartbeats `heartbeat` seconds apart, and `environment` as the worker's own.
    init(id: String, namespace: String, config: SwarmConfig = .trustingTestSigner(), heartbeat: Double = 0.2,
         environment: [String: String] = ["PATH": "/usr/bin:/bin"]) throws {
        var config = config
        config.worker.heartbeatInterval = heartbeat
        let settings = try WorkerSettings(config: config, id: id, host: "testhost", environment: environment)
        loop = WorkerLoop(settings: settings, url: TestRedis.server.url, namespace: namespace)
        Thread { [self] in
            let why = try? loop.run()
            exit.withLock { $0 = why }
            done.signal()
        }.start()
    }

    /// Waits up to `timeout` seconds for the worker to end on its own; why it ended (nil: it
    /// still runs, or `run()` threw).
    func waitForExit(timeout: Double) -> WorkerExit? {
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        done.signal()
        return exit.withLock { $0 }
    }

    /// Asks the worker to stop after its task and waits (at most 30 s) until it has.
    func stop() {
        loop.stop()
        _ = waitForExit(timeout: 30)
    }
}

/// Log lines captured from the parts of a worker, to check what it told its operator.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger writing into this capture (every level).
    var logger: Logger {
        var l = Logger(label: "test.capture") { [self] _ in Handler(capture: self) }
        l.logLevel = .trace
        return l
    }

    /// Every line so far.
    var all: [String] { lines.withLock { $0 } }

    /// Whether some line contains every one of `parts`.
    func contains(_ parts: String...) -> Bool {
        all.contains { line in parts.allSatisfy { line.contains($0) } }
    }

    private func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        var metadataProvider: Logger.MetadataProvider?

        func log(event: LogEvent) { capture.append("\(event.level): \(event.message)") }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
    }
}
