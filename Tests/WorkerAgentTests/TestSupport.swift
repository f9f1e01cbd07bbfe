import Foundation
import Planner
import Scheduler
import XCTest
@testable import WorkerAgent

/// The key the tests submit with; workers of ``SwarmConfig/trustingTestSigner()`` trust it.
let testSigner = SpecSigner()

extension SwarmConfig {
    /// The defaults, with workers trusting ``testSigner`` only (no host key: the state
    /// directory does not exist).
    static func trustingTestSigner() -> SwarmConfig {
        var config = SwarmConfig()
        config.security.trustedKeys = [testSigner.publicKeyBase64]
        config.orchestrator.stateDir = NSTemporaryDirectory() + "swarm-no-state-" + UUID().uuidString
        return config
    }
}

/// A fresh temporary directory, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "swarm-worker-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Writes an executable script and returns its path.
func writeScript(_ directory: String, _ name: String, _ body: String) throws -> String {
    let path = directory + "/" + name
    try body.write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return path
}

/// A minimal environment for child processes.
let testEnvironment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C"]

/// Whether process `pid` still exists (zombies included).
func processExists(_ pid: pid_t) -> Bool {
    kill(pid, 0) == 0 || errno != ESRCH
}

/// Polls `condition` for up to `timeout` seconds.
func eventually(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
