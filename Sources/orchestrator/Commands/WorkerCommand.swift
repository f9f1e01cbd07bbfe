import ArgumentParser
import Dispatch
import Foundation
import Scheduler
import Synchronization
import WorkerAgent

/// `orchestrator worker`: one worker process (the supervisor starts these; on other hosts,
/// systemd or launchd do — see deploy/).
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run one worker process: claim tasks and run them, one at a time.",
        discussion: "SIGTERM or SIGINT: finish the current task, then exit 0. A second signal stops the task at once.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Worker id (default: host-pid-random).") var id: String?
    @Option(help: "Host name to report (default: this host's); it serves tasks targeted at m:HOST.") var host: String?
    @Option(parsing: .upToNextOption, help: "Extra capabilities (e.g. gpu docker).") var capability: [String] = []
    @Option(help: "Where this host keeps repository mirrors and task worktrees (overrides worker.workspace_root).")
    var workspaceRoot: String?
    @Option(help: .hidden) var taskGroupFile: String?
    @Option(help: .hidden) var supervisorPid: Int32?

    func run() throws {
        // Started by `up` (umask 077): give tasks the user's usual umask back.
        StateDirectory.restoreUmaskFromEnvironment()
        let ctx = try global.context()
        let hostName = host ?? Capabilities.hostName()
        // With no key given (config or `up`), this host's key pair: a submit from this host
        // (same state_dir) signs with it.
        if ctx.config.security.requireSignatures, ctx.config.security.trustedKeys.isEmpty,
           SpecTrust.keys(in: ProcessInfo.processInfo.environment).isEmpty {
            try ctx.ensureHostKey()
        }
        let settings: WorkerSettings
        do {
            settings = try WorkerSettings(config: ctx.config, id: id ?? WorkerSettings.newID(host: hostName), host: hostName,
                                          extraCapabilities: capability, redis: ctx.url)
        } catch {
            printError("error: \(error)")
            throw ExitCode.configInvalid
        }
        var withRecord = settings
        withRecord.taskGroupFile = taskGroupFile
        if let root = workspaceRoot { withRecord.workspaceRoot = Context.absolute(root) }
        let loop = WorkerLoop(settings: withRecord, url: ctx.url, options: ctx.options, namespace: ctx.namespace)
        let supervisor = supervisorPid
        let signals = SignalWatcher([SIGTERM, SIGINT]) { count in
            // `up` gives its workers SIGTERM as their parent-death signal: with `up` gone nobody
            // would kill this task's group later, so kill it now and leave.
            if let s = supervisor, getppid() != s { loop.abandonNow(); return }
            if count == 1 { loop.stop() } else { loop.stopNow() }
        }
        if let s = supervisor, getppid() != s { loop.abandonNow() }
        defer { signals.cancel() }
        do {
            _ = try loop.run()
        } catch {
            printError("error: \(error)")
            throw ExitCode.operationFailed
        }
    }
}

/// Turns signals into calls on a private dispatch queue (never the cooperative pool); counts
/// them so a second one can escalate.
final class SignalWatcher {
    private let sources: [any DispatchSourceSignal]

    init(_ signals: [Int32], handler: @escaping @Sendable (Int) -> Void) {
        let queue = DispatchQueue(label: "swarm.signals")
        let counter = Counter()
        sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            s.setEventHandler { handler(counter.next()) }
            s.resume()
            return s
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}

private final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
