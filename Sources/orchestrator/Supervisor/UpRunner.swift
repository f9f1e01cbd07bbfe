import ArgumentParser
import Foundation
import Logging
import Planner
import RedisKit
import Scheduler
import SwarmSupport
import Synchronization
import WorkerAgent

/// What `orchestrator up` runs in one process: the embedded Redis (when no URL is configured),
/// the scheduler loop, the ledger writer and the worker supervisor, steered through the
/// namespace's `control` hash so `--scale`, `--drain` and `kill-all` work from any shell.
final class UpRunner {
    let ctx: Context
    let logger: Logger
    /// The embedded redis-server this `up` started and keeps alive (nil with an external Redis).
    private(set) var embedded: EmbeddedRedisKeeper?
    private var scheduler: SchedulerLoop?
    private var ledger: LedgerWriter?
    private var mergeOrphans: MergeOrphanLoop?
    private(set) var supervisor: Supervisor?
    private(set) var client: SchedulerClient?
    /// The state directory's lock and pid file (see StateDirLock).
    private(set) var stateLock: StateDirLock?
    /// The last desired count that was over `max_workers` (reported once per value).
    private var reportedClamp: Int?
    /// SIGINT/SIGTERM count: the first drains, the second stops at once.
    let interrupts = InterruptCounter()
    let instance = "\(ProcessInfo.processInfo.hostName):\(getpid())"

    init(ctx: Context, logger: Logger) {
        self.ctx = ctx
        self.logger = logger
    }

    /// Starts Redis if embedded, configures the namespace and starts the loops and `workers` workers.
    func start(workers requested: Int, workerExtraArguments: [String] = []) throws {
        // Everything up and its redis-server write (AOF, redis log, ledger, keys) is private.
        StateDirectory.useTightUmask()
        do { try StateDirectory.prepare(ctx.stateDir) } catch {
            printError("error: \(error)")
            throw ExitCode.configInvalid
        }
        let lock: StateDirLock
        do { lock = try StateDirLock.acquire(directory: ctx.stateDir) } catch {
            printError("error: \(error)")
            throw ExitCode.anotherUpRunning
        }
        stateLock = lock
        // Orphans of a task whose worker died are re-parented here, not to init, so their
        // process group stays ours to kill and reap.
        ForkExec.becomeChildSubreaper()
        let groups = groupDirectory
        try? FileManager.default.createDirectory(atPath: groups, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let leftovers = PredecessorCleanup(lock: lock, groupDirectory: groups, logger: logger).run()
        if ctx.embedded { try startEmbeddedRedis() }
        recordFleet([])
        let workers = clamp(requested)
        try ctx.prepareSigning(logger: logger)
        let c = try ctx.client()
        client = c
        try orFail {
            try c.configure(SchedulerSettings(config: ctx.config))
            try c.setDraining(false)
            try c.announceOrchestrator(instance, desiredWorkers: workers)
        }
        // The predecessor's workers and their task groups are dead: their tasks can run again.
        for id in leftovers { _ = try? c.requeueWorker(id, reason: "its orchestrator died") }
        let o = ctx.config.orchestrator
        let loop = SchedulerLoop(url: ctx.url, options: ctx.options, namespace: ctx.namespace, maxSleep: o.tick, batch: o.dispatchBatch)
        loop.start()
        scheduler = loop
        StateDirectory.makeDatabasePrivate(ctx.ledgerPath)
        let writer = LedgerWriter(url: ctx.url, namespace: ctx.namespace, path: ctx.ledgerPath, consumer: "ledger-" + instance)
        writer.start()
        ledger = writer
        mergeOrphans = MergeOrphanLoop(url: ctx.url, options: ctx.options, namespace: ctx.namespace,
                                       runner: try ctx.mergeRunner(id: "up@" + instance), logger: logger)
        mergeOrphans?.start()
        // Workers find Redis (and the embedded password) through the environment, so no password
        // shows in `ps`.
        setenv("SWARM_REDIS_URL", ctx.workerURLText, 1)
        var args = ["--namespace", ctx.namespace] + workerExtraArguments
        if let path = ctx.configPath { args += ["--config", Context.absolute(path)] }
        supervisor = Supervisor(executable: UpRunner.selfExecutable(), workerArguments: args,
                                backoff: Backoff(base: o.respawnBackoffBase, max: o.respawnBackoffMax),
                                crashWindow: o.crashLoopWindow, crashThreshold: o.crashLoopThreshold,
                                url: ctx.url, namespace: ctx.namespace, logger: logger,
                                maxWorkers: ctx.config.orchestrator.maxWorkers, groupDirectory: groups,
                                foreignChildren: { [embedded] in Set([embedded?.pid].compactMap { $0 }) },
                                onChange: { [lock, embedded] in UpRunner.record(lock: lock, redis: embedded, workers: $0) })
        supervisor?.reconcile(desired: workers)
    }

    /// Where workers record their tasks' process groups.
    var groupDirectory: String { ctx.stateDir + "/workers" }

    /// `n` capped at `orchestrator.max_workers`, saying so (once per value) when it is over.
    func clamp(_ n: Int) -> Int {
        let limit = ctx.config.orchestrator.maxWorkers
        guard n > limit else { reportedClamp = nil; return max(n, 0) }
        if reportedClamp != n {
            reportedClamp = n
            logger.warning("asked for \(n) workers; orchestrator.max_workers is \(limit), so running \(limit)")
            try? client?.note(.workersClamped(asked: n, maxWorkers: limit))
        }
        return limit
    }

    /// Rewrites the pid file: this process, the embedded redis-server, the workers.
    private func recordFleet(_ children: [Supervisor.Child]) {
        guard let lock = stateLock else { return }
        UpRunner.record(lock: lock, redis: embedded, workers: children)
    }

    private static func record(lock: StateDirLock, redis: EmbeddedRedisKeeper?, workers: [Supervisor.Child]) {
        guard let me = UpRecord.current(pid: getpid()) else { return }
        lock.write(UpRecord(up: me, redis: redis?.pid.flatMap { UpRecord.current(pid: $0) },
                            workers: workers.compactMap { UpRecord.current(pid: $0.pid, id: $0.id) }))
    }

    private var socketPath: String {
        if case let .unix(path) = ctx.url.endpoint { return path }
        return ""
    }

    private func startEmbeddedRedis() throws {
        if (try? RedisConnection(url: ctx.url, options: RedisOptions(connectTimeout: 0.5)).send("PING")) != nil { return }
        let keeper: EmbeddedRedisKeeper
        do {
            let password = try EmbeddedRedisPassword.readOrCreate(stateDir: ctx.stateDir)
            keeper = EmbeddedRedisKeeper(stateDir: ctx.stateDir, password: password, durability: ctx.config.redis.durability,
                                         logger: logger)
            try keeper.start()
        } catch {
            printError("error: \(error)")
            throw ExitCode.redisUnreachable
        }
        embedded = keeper
        logger.info("started the embedded redis-server at \(ctx.url.address) (AOF on, appendfsync \(ctx.config.redis.durability.rawValue), password in \(EmbeddedRedisPassword.path(stateDir: ctx.stateDir)), data in \(ctx.stateDir))")
    }

    var interruptCount: Int { interrupts.count }

    /// One supervision step: follow the control hash. Returns false once drained (time to exit).
    func step(exitWhenIdle: Bool = false) -> Bool {
        guard let c = client, let sup = supervisor else { return false }
        if interruptCount >= 2 {
            sup.killAll(client: c, grace: killGrace)
            return false
        }
        let control = (try? c.control()) ?? [:]
        try? c.markOrchestratorAlive(instance)
        if let k = control["kill_all"], k != (lastKillAll ?? k) { sup.killAll(client: c, grace: killGrace) }
        lastKillAll = control["kill_all"] ?? "0"
        let draining = control["draining"] == "1" || interruptCount == 1
        if draining {
            if interruptCount == 1 && control["draining"] != "1" { try? c.setDraining(true) }
            // Running tasks finish; tasks already dispatched stay in their queues (their leases are
            // kept while queued) and run when workers come back.
            // Redis unreachable is "not drained yet", never "drained".
            guard let counts = try? c.stateCounts() else { return true }
            return (counts[TaskState.running.rawValue] ?? 0) > 0
        }
        if exitWhenIdle {
            let counts = (try? c.stateCounts()) ?? [:]
            let open = TaskState.allCases.filter(\.isActive).reduce(0) { $0 + (counts[$1.rawValue] ?? 0) }
            if open == 0 && !(counts.isEmpty) { return false }
        }
        let desired = Int(control["desired_workers"] ?? "") ?? sup.running
        // Spawning re-reads the control hash before each new worker: lowering the count or
        // draining stops a long spawn at once.
        sup.reconcile(desired: { [self] in
            guard interruptCount == 0 else { return 0 }
            // Redis unreachable for a moment: keep the count it last gave.
            guard let fresh = try? c.control() else { return clamp(desired) }
            if fresh["draining"] == "1" || (fresh["kill_all"] ?? "0") != lastKillAll { return 0 }
            return clamp(Int(fresh["desired_workers"] ?? "") ?? desired)
        })
        return true
    }

    private var lastKillAll: String?

    /// How long a worker stopped "at once" may take: its task's own kill grace, plus a second.
    private var killGrace: Double { ctx.config.worker.killGrace + 1 }

    /// Stops workers (letting them finish), the loops, and the embedded Redis.
    func shutdown() {
        supervisor?.stopAll()
        if supervisor?.waitForAll(timeout: ctx.config.worker.killGrace + 30) == false {
            supervisor?.killAll(client: client, grace: killGrace)
            _ = supervisor?.waitForAll(timeout: 5)
        }
        try? client?.forgetOrchestrator(instance)
        scheduler?.stop()
        mergeOrphans?.stop()
        ledger?.stop()
        embedded?.stop()
        stateLock?.release()
    }

    static func selfExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// Counts interrupts; shared with a signal handler.
final class InterruptCounter: Sendable {
    private let value = Mutex(0)
    /// Records one more interrupt and returns the count.
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    /// Interrupts so far.
    var count: Int { value.withLock { $0 } }
}
