import Foundation
import RedisKit
@testable import Scheduler
import SwarmSupport
import SwarmTestSupport
import WorkerAgent
import XCTest

/// Faults of processes: a worker killed mid-task, a worker cut off from Redis, `up` killed, a
/// fleet asked to grow without bound. Every verdict comes from what the processes themselves
/// wrote (timestamps, pids) and from /proc, not only from what Swarm reports.
final class ProcessFaultTests: XCTestCase {
    /// kill -9 of a worker running a long task: the task's whole process group (its shell and a
    /// background loop logging "alive" every 10 ms) is dead before the rerun starts.
    func testKilledWorkersTaskDiesBeforeItsRerunStarts() throws {
        let ws = try TestWorkspace(namespace: "fault-kill1")
        let (up, log) = try startUpWithOneTimedTask(ws, feature: "k1")
        defer { kill(up.process.processIdentifier, SIGKILL) }
        let c = try ws.client()
        XCTAssertTrue(waitUntil(20) { (try? TaskClock.read(log))?.first?.lastAlive != nil }, "the task never started")
        let worker = try XCTUnwrap(try StatusSnapshot.gather(c).workers.first { $0.task == "k1/t0" && $0.pid > 0 })
        XCTAssertEqual(kill(pid_t(worker.pid), SIGKILL), 0)

        XCTAssertTrue(waitUntil(20) { (try? TaskClock.read(log))?.count ?? 0 >= 2 }, "the task never ran again")
        let attempts = try TaskClock.read(log)
        let (first, second) = (attempts[0], attempts[1])
        XCTAssertNil(first.end, "the killed attempt finished its work: \(first)")
        XCTAssertLessThan(first.lastSeen, second.start, "the killed attempt still ran when its rerun started")
        XCTAssertFalse(isAlive(first.pid), "the killed attempt's shell \(first.pid) is still alive")
        XCTAssertTrue(waitUntil(20) { (try? c.stateCounts()) == ["succeeded": 1] })
        let later = try TaskClock.read(log).first { $0.pid == first.pid }
        XCTAssertEqual(later?.lastSeen, first.lastSeen, "the killed attempt's group logged again later")
        kill(up.process.processIdentifier, SIGTERM)
        XCTAssertEqual(up.wait(timeout: 30), 0, up.stderr)
    }

    /// A worker cut off from Redis (the server stopped with SIGSTOP) cannot renew its task's lease:
    /// it kills the task before the lease can expire, so the rerun another worker starts once
    /// Redis is back never overlaps it.
    func testWorkerCutOffFromRedisKillsItsTaskBeforeItsLeaseExpires() throws {
        let ws = try TestWorkspace(namespace: "fault-fence", orchestrator: ["run_lease: 1.5"])
        let (up, log) = try startUpWithOneTimedTask(ws, feature: "f")
        defer { kill(up.process.processIdentifier, SIGKILL) }
        XCTAssertTrue(waitUntil(20) { (try? TaskClock.read(log))?.first?.lastAlive != nil }, "the task never started")
        sleepSeconds(0.4)  // a heartbeat or two renew the lease
        let redis = try XCTUnwrap(TestRedis.server.pid)
        let stoppedAt = Int64(Date().timeIntervalSince1970 * 1e9)
        XCTAssertEqual(kill(redis, SIGSTOP), 0)
        sleepSeconds(2.2)
        XCTAssertEqual(kill(redis, SIGCONT), 0)

        XCTAssertTrue(waitUntil(20) { (try? TaskClock.read(log))?.count ?? 0 >= 2 }, "the task never ran again")
        let attempts = try TaskClock.read(log)
        let (first, second) = (attempts[0], attempts[1])
        XCTAssertNil(first.end, "the cut-off attempt finished its work: \(first)")
        // Its lease was last renewed before Redis stopped, so it expired by stoppedAt + 1.5 s.
        XCTAssertLessThan(first.lastSeen, stoppedAt + 1_500_000_000, "the task outlived its lease")
        XCTAssertLessThan(first.lastSeen, second.start)
        let c = try ws.client()
        XCTAssertTrue(waitUntil(20) { (try? c.stateCounts()) == ["succeeded": 1] })
        kill(up.process.processIdentifier, SIGTERM)
        XCTAssertEqual(up.wait(timeout: 30), 0, up.stderr)
    }

    /// kill -9 of `up` (with its embedded redis-server): its workers and every process of their
    /// tasks die with it; a second `up` on the same state directory is refused while one runs;
    /// a restarted `up` stops the redis-server its predecessor left and runs exactly the
    /// workers asked for.
    func testKillingUpTakesItsWorkersAndTasksDownAndARestartRunsExactlyTheDesiredWorkers() throws {
        let ws = try TestWorkspace(namespace: "fault-up")
        let pids = ws.dir + "/pids"
        // Each task logs its shell, its worker (the shell's parent) and a child it waits for.
        let plan = try ws.write("p.yaml", planText(feature: "u", count: 3,
                                                   command: "echo $$ $PPID >> \(pids); sleep 60 & echo $! >> \(pids); wait"))
        var cleanup: [pid_t] = []
        defer { for p in cleanup + workerProcesses(of: ws) { kill(p, SIGKILL) } }
        // Started and reaped here, not through Foundation's Process, which loses track of a
        // child killed this way; its output goes to a file.
        let log = open(ws.dir + "/up1.log", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "SWARM_REDIS_URL")
        var options = ForkExec.Options(path: orchestratorPath, argv: [orchestratorPath, "up", "--workers", "3"] + ws.configArgs,
                                       environment: env.map { "\($0.key)=\($0.value)" })
        options.stdio = (-1, log, log)
        options.parentDeathSignal = 0
        let up1 = try ForkExec.spawn(options)
        close(log)
        cleanup.append(up1)
        var up1Log: String { (try? String(contentsOfFile: ws.dir + "/up1.log", encoding: .utf8)) ?? "" }
        XCTAssertTrue(waitUntil(20) { (try? CLIProcess.run(["submit", plan] + ws.configArgs).0) == 0 }, up1Log)
        XCTAssertTrue(waitUntil(30) { readPids(pids).count >= 9 }, "the three tasks never all ran: \(up1Log)")
        let first = readPids(pids)
        let oldRedis = try XCTUnwrap(redisServers(of: ws).first, "no embedded redis-server")
        XCTAssertEqual(Set(first).count, 9, "3 shells, 3 workers, 3 children: \(first)")

        XCTAssertEqual(kill(up1, SIGKILL), 0)
        var status: Int32 = 0
        XCTAssertEqual(waitpid(up1, &status, 0), up1)
        XCTAssertTrue(waitUntil(10) { first.allSatisfy { !isAlive($0) } },
                      "still alive after up died: \(first.filter(isAlive))")

        let up2 = try CLIProcess(["up", "--workers", "2"] + ws.configArgs)
        cleanup.append(up2.process.processIdentifier)
        XCTAssertTrue(waitUntil(30) { workerProcesses(of: ws).count == 2 && redisServers(of: ws).count == 1 },
                      "workers: \(workerProcesses(of: ws)), redis: \(redisServers(of: ws)); \(up2.stderr)")
        XCTAssertFalse(isAlive(oldRedis), "the orphaned redis-server still runs")
        let (code, _, err) = try CLIProcess.run(["up", "--workers", "1"] + ws.configArgs, timeout: 30)
        XCTAssertEqual(code, 3, err)
        XCTAssertTrue(err.contains("another `orchestrator up` (pid \(up2.process.processIdentifier)) is running on state directory"), err)
        // The predecessor's tasks run again; the refused `up` changed nothing.
        XCTAssertTrue(waitUntil(30) { readPids(pids).count >= 15 }, "tasks were not rerun: \(up2.stderr)")
        sleepSeconds(1)
        XCTAssertEqual(workerProcesses(of: ws).count, 2)

        XCTAssertEqual(try CLIProcess.run(["kill-all"] + ws.configArgs).0, 0)
        kill(up2.process.processIdentifier, SIGTERM)
        XCTAssertEqual(up2.wait(timeout: 30), 0, up2.stderr)
        XCTAssertEqual(workerProcesses(of: ws), [])
        XCTAssertEqual(readPids(pids).filter(isAlive), [], "task processes outlived kill-all")
    }

    /// `desired_workers` far above `orchestrator.max_workers` (in the control hash, `--workers`,
    /// `--scale`) never runs more than max_workers processes, says so, and lowering it converges.
    func testDesiredWorkersIsCappedAtMaxWorkersAndLoweringItConverges() throws {
        let ws = try TestWorkspace(namespace: "fault-max", orchestrator: ["max_workers: 5"])
        _ = try TestRedis.fresh()
        let up = try CLIProcess(["up", "--workers", "50"] + ws.configArgs, env: ws.env)
        defer {
            kill(up.process.processIdentifier, SIGKILL)
            for p in workerProcesses(of: ws) { kill(p, SIGKILL) }
        }
        let c = try ws.client()
        var most = 0
        func sample(for seconds: Double) {
            let end = Monotonic.now() + seconds
            while Monotonic.now() < end && most <= 5 {
                most = max(most, workerProcesses(of: ws).count)
                sleepSeconds(0.02)
            }
        }
        sample(for: 2)
        try c.redis.send("HSET", c.keys.control, "desired_workers", 100_000)
        sample(for: 3)
        XCTAssertEqual(most, 5, "worker processes seen at once")
        XCTAssertTrue(up.stderr.contains("orchestrator.max_workers is 5"), up.stderr)
        let (code, out, err) = try CLIProcess.run(["--scale", "100"] + ws.configArgs, env: ws.env)
        XCTAssertEqual(code, 0, err)
        XCTAssertTrue(out.contains("orchestrator.max_workers is 5: scaling to 5"), out)
        sample(for: 1)
        XCTAssertEqual(most, 5)

        try c.redis.send("HSET", c.keys.control, "desired_workers", 2)
        XCTAssertTrue(waitUntil(20) { workerProcesses(of: ws).count == 2 }, "\(workerProcesses(of: ws).count) workers")
        sleepSeconds(1)
        XCTAssertEqual(workerProcesses(of: ws).count, 2, "no worker was spawned after the count went down")
        kill(up.process.processIdentifier, SIGTERM)
        XCTAssertEqual(up.wait(timeout: 30), 0, up.stderr)
    }

    /// A fresh Redis, `up --workers 2`, and one submitted task of `feature` that logs its times
    /// (and "alive" every 10 ms from a background loop) to the returned log while it sleeps 2 s.
    /// The caller kills `up` when it is done.
    private func startUpWithOneTimedTask(_ ws: TestWorkspace, feature: String) throws -> (CLIProcess, String) {
        _ = try TestRedis.fresh()
        let log = ws.dir + "/times.log"
        let plan = try ws.write("p.yaml", planText(feature: feature, count: 1,
                                                   command: TaskClock.command(log: log, work: "sleep 2", aliveLoop: true)))
        let up = try CLIProcess(["up", "--workers", "2"] + ws.configArgs, env: ws.env)
        XCTAssertEqual(try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env).0, 0)
        return (up, log)
    }
}

/// Polls `condition` every 20 ms for up to `seconds`.
func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Monotonic.now() + seconds
    while Monotonic.now() < deadline {
        if condition() { return true }
        sleepSeconds(0.02)
    }
    return condition()
}

/// A process that exists and is not a zombie.
func isAlive(_ pid: pid_t) -> Bool {
    guard let state = ProcessInfoFile.state(of: pid) else { return false }
    return state != "Z"
}

/// Live `orchestrator worker` processes started with this workspace's config.
func workerProcesses(of ws: TestWorkspace) -> [pid_t] {
    liveProcesses { argv in argv.count > 1 && argv[1] == "worker" && argv.contains(ws.configArgs[1]) }
}

/// Live redis-server processes serving this workspace's state directory.
func redisServers(of ws: TestWorkspace) -> [pid_t] {
    // redis-server rewrites its command line; its working directory is the state directory.
    liveProcesses { argv in argv.first?.contains("redis-server") == true }.filter { pid in
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"))?.hasPrefix(ws.dir) == true
    }
}

private func liveProcesses(_ matching: ([String]) -> Bool) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { pid_t($0) }.filter { pid in
        isAlive(pid) && (ProcessInfoFile.commandLine(of: pid).map(matching) ?? false)
    }.sorted()
}


/// Every pid in a file of whitespace-separated pids.
func readPids(_ path: String) -> [pid_t] {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }
}
