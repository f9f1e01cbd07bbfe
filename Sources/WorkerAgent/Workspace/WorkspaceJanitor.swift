import Foundation
import Synchronization

/// Runs ``Workspaces/sweep()`` when the worker starts and then every `interval` seconds, on a
/// thread of its own (never the claim loop's): a host notices killed attempts, discard
/// requests and merged tasks even while its workers sit idle.
public final class WorkspaceJanitor: Sendable {
    /// The workspaces it sweeps.
    public let workspaces: Workspaces
    /// Seconds between sweeps.
    public let interval: Double
    private let stopped = Mutex(false)
    private let started = Mutex(false)
    private let done = DispatchSemaphore(value: 0)
    private let wake = DispatchSemaphore(value: 0)

    /// A janitor for `workspaces`.
    public init(workspaces: Workspaces, interval: Double = 15) {
        self.workspaces = workspaces
        self.interval = interval
    }

    /// Starts sweeping (the first sweep at once).
    public func start() {
        guard started.withLock({ s -> Bool in defer { s = true }; return !s }) else { return }
        let thread = Thread { [self] in
            defer { done.signal() }
            while !stopped.withLock({ $0 }) {
                // Nothing to sweep on a host that never ran a repository task.
                if FileManager.default.fileExists(atPath: workspaces.worktreesDirectory) { workspaces.sweep() }
                // Sleeps without polling; `stop()` wakes it.
                _ = wake.wait(timeout: .now() + interval)
            }
        }
        thread.name = "swarm-workspaces"
        thread.start()
    }

    /// Stops and waits for the sweep in progress (if any) to end.
    public func stop() {
        let wasRunning = stopped.withLock { s -> Bool in defer { s = true }; return !s }
        wake.signal()
        if wasRunning && started.withLock({ $0 }) { done.wait() }
    }
}
