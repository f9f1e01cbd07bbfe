import Foundation
import RedisKit
@testable import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest

final class FleetTests: XCTestCase {
    /// Invariant 6 under worker crashes: kill -9 a worker mid-task 50 times at seeded random
    /// moments during a 300-task feature run by `orchestrator up`; and, from the start and end
    /// times the task processes write themselves, no two attempts of a task and no two tasks
    /// sharing an artifact ever ran at the same time (a killed worker's task died with it).
    func testKillingWorkersMidTaskLosesNothing() throws {
        let ws = try TestWorkspace(namespace: "fleet-kill")
        _ = try TestRedis.fresh()
        let log = ws.dir + "/times.log"
        let plan = try ws.write("p.yaml", planText(feature: "k", count: 300, command: TaskClock.command(log: log, work: "sleep 0.05")) { i in
            // 40 artifact groups: tasks of a group must never overlap.
            "    artifacts: [src/a\(i % 40)/]\n"
        })
        let up = try CLIProcess(["up", "--workers", "4"] + ws.configArgs, env: ws.env)
        defer { kill(up.process.processIdentifier, SIGKILL) }
        let c = try ws.client()
        let (code, _, err) = try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env)
        XCTAssertEqual(code, 0, err)

        var rng = SeededRandom(seed: 2024)
        var kills: [(worker: String, at: Int)] = []
        var killsByTask: [String: Int] = [:]
        let deadline = Monotonic.now() + 120
        while kills.count < 50 && Monotonic.now() < deadline {
            sleepSeconds(Double(40 + rng.next() % 80) / 1000)
            let snap = try StatusSnapshot.gather(c)
            // A task killed more than `max_lost` (5) times is dead-lettered as a poison task by
            // design; keep each task's kills below that.
            let busy = snap.workers.filter { $0.state == "working" && !$0.task.isEmpty && $0.pid > 0 && (killsByTask[$0.task] ?? 0) < 3 }
            guard !busy.isEmpty else {
                if (snap.tasks["succeeded"] ?? 0) == 300 { break }
                continue
            }
            let victim = busy[Int(rng.next() % UInt64(busy.count))]
            let time = try c.redis.send("TIME").array ?? []
            let now = (time[0].int ?? 0) * 1000 + (time[1].int ?? 0) / 1000
            guard kill(pid_t(victim.pid), SIGKILL) == 0 else { continue }
            kills.append((victim.id, now))
            killsByTask[victim.task, default: 0] += 1
        }
        XCTAssertEqual(kills.count, 50, "the run ended before 50 kills could be made")

        let finish = Monotonic.now() + 120
        while Monotonic.now() < finish {
            let counts = try c.stateCounts()
            if (counts["succeeded"] ?? 0) + (counts["failed"] ?? 0) + (counts["needs_human"] ?? 0) >= 300 { break }
            sleepSeconds(0.1)
        }
        XCTAssertEqual(try c.stateCounts(), ["succeeded": 300])
        for gid in (try c.redis.send("LRANGE", c.keys.dead, 0, -1).array ?? []).compactMap(\.string) {
            XCTFail("\(gid) failed: \(try c.taskFields(gid))")
        }

        let events = try ws.events()
        var succeeded: [String: Int] = [:]
        var runs: [String: [Int]] = [:]
        var requeuedAfterKill: [String: Int] = [:]
        var requeueOf: [String: (task: String, at: Int)] = [:]   // killed worker -> its requeued task
        for e in events where !e.task.isEmpty {
            if e.type == "succeeded" { succeeded[e.task, default: 0] += 1 }
            if e.type == "running" { runs[e.task, default: []].append(e.ts) }
            if e.type == "ready", let reason = e.fields["reason"], reason.contains("killed by signal 9"), let w = e.fields["worker"] {
                requeuedAfterKill[e.task, default: 0] += 1
                requeueOf[w] = (e.task, e.ts)
            }
        }
        XCTAssertEqual(succeeded.count, 300)
        XCTAssertTrue(succeeded.values.allSatisfy { $0 == 1 }, "exactly one succeeded event per task")
        for (gid, starts) in runs where starts.count > 1 {
            // A task ran more than once only because its worker was killed while running it.
            XCTAssertEqual(starts.count - 1, requeuedAfterKill[gid] ?? 0, "\(gid) ran \(starts.count) times")
        }
        var delays: [Int] = []
        for k in kills {
            // A kill can land just as the task finished; only kills that forced a rerun count.
            guard let r = requeueOf[k.worker], let next = runs[r.task]?.first(where: { $0 >= k.at }) else { continue }
            delays.append(next - k.at)
        }
        delays.sort()
        let p50 = delays.isEmpty ? 0 : delays[delays.count / 2]
        print("recovery after kill -9: \(delays.count) reruns, p50 \(p50) ms, max \(delays.last ?? 0) ms")
        XCTAssertGreaterThanOrEqual(delays.count, 40, "most kills hit a running task")
        // The supervisor requeues a dead worker's task at once; the lease (15 s) would take far
        // longer. The bound is loose on purpose: how fast the rerun starts is measured by the
        // benchmark harness (recovery scenario), not here, and a loaded machine must not fail it.
        XCTAssertLessThanOrEqual(delays.last ?? 0, 3000, "every killed task ran again long before its lease would expire: \(delays)")

        // What the task processes wrote: attempts of one artifact group (so also two attempts of
        // one task) never overlap; before the fix a killed worker's shell went on to write its
        // end after the rerun had started.
        let attempts = try TaskClock.read(log)
        let finished = attempts.filter { $0.end != nil }
        XCTAssertGreaterThanOrEqual(attempts.count, 300)
        XCTAssertEqual(Set(finished.map(\.task)).count, 300, "every task finished once")
        // (A kill that lands just after a task wrote its end reruns it: more than 300 ends is fine.)
        let overlaps = TaskClock.overlaps(attempts) { Int($0.dropFirst()).map { $0 % 40 } ?? -1 }
        XCTAssertEqual(overlaps, [], "attempts that ran at the same time")

        kill(up.process.processIdentifier, SIGTERM)
        XCTAssertEqual(up.wait(timeout: 30), 0, up.stderr)
    }

    /// `--scale` up and down while tasks run, then `--drain`: nothing lost, exit 0.
    func testScaleAndDrainLoseNothing() throws {
        let ws = try TestWorkspace(namespace: "fleet-scale")
        _ = try TestRedis.fresh()
        let plan = try ws.write("p.yaml", planText(feature: "s", count: 80, command: "sleep 0.05"))
        let up = try CLIProcess(["up", "--workers", "1"] + ws.configArgs, env: ws.env)
        defer { kill(up.process.processIdentifier, SIGKILL) }
        XCTAssertEqual(try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env).0, 0)
        let (s3, o3, e3) = try CLIProcess.run(["--scale", "3"] + ws.configArgs, env: ws.env)
        XCTAssertEqual(s3, 0, e3)
        XCTAssertTrue(o3.contains("scaled to 3"), o3)
        let (s1, _, e1) = try CLIProcess.run(["--scale", "1"] + ws.configArgs, env: ws.env)
        XCTAssertEqual(s1, 0, e1)
        let (sd, od, ed) = try CLIProcess.run(["--drain"] + ws.configArgs, env: ws.env, timeout: 90)
        XCTAssertEqual(sd, 0, ed)
        XCTAssertTrue(od.contains("namespace fleet-scale"), "final snapshot printed: \(od)")
        XCTAssertEqual(up.wait(timeout: 30), 0, up.stderr)

        let c = try ws.client()
        let counts = try c.stateCounts()
        XCTAssertEqual(counts["running"] ?? 0, 0, "drained: nothing runs")
        XCTAssertEqual(counts.values.reduce(0, +), 80, "every task is accounted for: \(counts)")
        // Starting again finishes what the drain left waiting.
        let again = try CLIProcess(["up", "--workers", "2", "--exit-when-done"] + ws.configArgs, env: ws.env)
        XCTAssertEqual(again.wait(timeout: 60), 0, again.stderr)
        XCTAssertEqual(try c.stateCounts(), ["succeeded": 80])
    }

    /// `kill-all` stops every worker at once, kills their tasks' process groups (no orphan left)
    /// and requeues the tasks.
    func testKillAllStopsWorkersAndTheirTasksAndRequeues() throws {
        let ws = try TestWorkspace(namespace: "fleet-killall")
        _ = try TestRedis.fresh()
        let plan = try ws.write("p.yaml", planText(feature: "ka", count: 2, command: "echo $$ > \(ws.dir)/pid-${SWARM_TASK_ID#*/}.txt; exec sleep 60"))
        let up = try CLIProcess(["up", "--workers", "2"] + ws.configArgs, env: ws.env)
        defer { kill(up.process.processIdentifier, SIGKILL) }
        XCTAssertEqual(try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env).0, 0)
        let c = try ws.client()
        let deadline = Monotonic.now() + 20
        while Monotonic.now() < deadline, (try c.stateCounts()["running"] ?? 0) < 2 { sleepSeconds(0.05) }
        XCTAssertEqual(try c.stateCounts()["running"], 2)
        sleepSeconds(0.2)
        let pids = try (0..<2).map { i -> pid_t in
            let text = try String(contentsOfFile: ws.dir + "/pid-t\(i).txt", encoding: .utf8)
            return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        let (code, out, err) = try CLIProcess.run(["kill-all"] + ws.configArgs, env: ws.env)
        XCTAssertEqual(code, 0, err)
        XCTAssertTrue(out.contains("all workers stopped"), out)
        for pid in pids {
            XCTAssertGreaterThan(pid, 0)
            XCTAssertEqual(kill(pid, 0), -1, "task process \(pid) outlived kill-all")
        }
        let counts = try c.stateCounts()
        XCTAssertEqual(counts["running"] ?? 0, 0)
        XCTAssertEqual((counts["ready"] ?? 0) + (counts["dispatched"] ?? 0), 2, "both tasks requeued: \(counts)")
        kill(up.process.processIdentifier, SIGTERM)
        XCTAssertEqual(up.wait(timeout: 30), 0, up.stderr)
    }

    /// Two "hosts": workers with different host names and capabilities get only the tasks their
    /// capabilities and targets allow.
    func testTwoHostsGetOnlyTheirTasks() throws {
        let ws = try TestWorkspace(namespace: "fleet-hosts")
        _ = try TestRedis.fresh()
        let plan = try ws.write("p.yaml", planText(feature: "h", count: 24, command: "true") { i in
            switch i % 4 {
            case 0: return "    machine: alpha\n"
            case 1: return "    requires: [gpu]\n"
            case 2: return "    machine: beta\n"
            default: return ""
            }
        })
        let loop = SchedulerLoop(url: TestRedis.server.url, namespace: ws.namespace, maxSleep: 0.05)
        loop.start()
        defer { loop.stop() }
        let alpha = try CLIProcess(["worker", "--id", "alpha-1", "--host", "alpha", "--capability", "gpu"] + ws.configArgs, env: ws.env)
        let beta = try CLIProcess(["worker", "--id", "beta-1", "--host", "beta"] + ws.configArgs, env: ws.env)
        defer { kill(alpha.process.processIdentifier, SIGKILL); kill(beta.process.processIdentifier, SIGKILL) }
        XCTAssertEqual(try CLIProcess.run(["submit", plan] + ws.configArgs, env: ws.env).0, 0)
        let c = try ws.client()
        let deadline = Monotonic.now() + 30
        while Monotonic.now() < deadline, (try c.stateCounts()["succeeded"] ?? 0) < 24 { sleepSeconds(0.05) }
        XCTAssertEqual(try c.stateCounts(), ["succeeded": 24])
        var ranOn: [String: String] = [:]
        for e in try ws.events() where e.type == "running" { ranOn[e.task] = e.fields["worker"] }
        for i in 0..<24 {
            let w = ranOn["h/t\(i)"]
            switch i % 4 {
            case 0, 1: XCTAssertEqual(w, "alpha-1", "h/t\(i)")
            case 2: XCTAssertEqual(w, "beta-1", "h/t\(i)")
            default: XCTAssertNotNil(w)
            }
        }
        kill(alpha.process.processIdentifier, SIGTERM)
        kill(beta.process.processIdentifier, SIGTERM)
        XCTAssertEqual(alpha.wait(timeout: 10), 0)
        XCTAssertEqual(beta.wait(timeout: 10), 0)
    }
}
