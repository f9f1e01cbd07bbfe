import Foundation
import RedisKit
@testable import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest

/// Item 2 of issue 9: Redis dying must not kill the fleet. A real `orchestrator up` on its
/// embedded Redis (durability `always`) runs 500 short script tasks while its redis-server is
/// killed with SIGKILL five times at seeded random moments. Evidence comes from a file the task
/// processes append to themselves and from the process table.
final class RedisChaosTests: XCTestCase {
    func testKillingTheEmbeddedRedisFiveTimesLosesNoTaskAndRerunsOnlyInFlightOnes() throws {
        ignoreBrokenPipeSignal()  // for this test's own connection; `up` is started with the default
        let ws = try EmbeddedWorkspace(namespace: "chaos", durability: "always", orchestrator: ["dispatch_lease: 2", "run_lease: 4"])
        defer { ws.remove() }
        let evidence = ws.dir + "/evidence.txt"
        let taskCount = 500
        var plan = "feature: chaos\nbudget: 0\ntasks:\n"
        for i in 0..<taskCount {
            // One line per run, written by the task itself: id, attempt, start and end (ms).
            plan += """
                  - id: t\(i)
                    type: script
                    retries: 0
                    command: 's=$(date +%s%3N); sleep 0.01; echo "$SWARM_TASK_ID $SWARM_ATTEMPT $s $(date +%s%3N)" >> \(evidence)'

                """
        }
        let planPath = try ws.write("plan.yaml", plan)
        let workers = 4
        let up = try CLIProcess(["up", "--workers", "\(workers)", "--exit-when-done"] + ws.configArgs)
        defer { kill(up.process.processIdentifier, SIGKILL) }
        let upPid = up.process.processIdentifier
        _ = try ws.client()
        let (code, _, err) = try CLIProcess.run(["submit", planPath] + ws.configArgs)
        XCTAssertEqual(code, 0, err)

        func redisPid() -> pid_t? { ProcessEntry.children(of: upPid).first { $0.comm == "redis-server" }?.pid }
        func workerPids() -> Set<pid_t> {
            Set(ProcessEntry.children(of: upPid).filter { $0.cmdline.dropFirst().first == "worker" }.map(\.pid))
        }
        func upIsAlive() -> Bool {
            guard let status = up.endStatus else { return true }
            XCTFail("up ended during the run (wait status \(status); 13 is SIGPIPE):\n\(up.stderr.suffix(3000))")
            return false
        }
        func runsSoFar() -> Int {
            ((try? String(contentsOfFile: evidence, encoding: .utf8)) ?? "").split(separator: "\n").count
        }

        // Five kill moments, as progress points spread over the run.
        var rng = SeededRandom(seed: 909)
        let targets = (0..<5).map { i in 40 + i * 90 + Int(rng.next() % 50) }
        var fleetBefore: Set<pid_t> = []
        var kills: [Int] = []   // wall-clock ms
        var lastKilled: pid_t = 0
        let deadline = Monotonic.now() + 180 // a safety stop only: a loaded machine runs slower
        for target in targets {
            while Monotonic.now() < deadline && (runsSoFar() < target || redisPid() == nil || redisPid() == lastKilled) {
                guard upIsAlive() else { return }
                sleepSeconds(0.01)
            }
            if fleetBefore.isEmpty { fleetBefore = workerPids() }
            sleepSeconds(Double(rng.next() % 60) / 1000)
            guard let pid = redisPid(), pid != lastKilled else { continue }
            XCTAssertEqual(kill(pid, SIGKILL), 0)
            kills.append(Int(Date().timeIntervalSince1970 * 1000))
            lastKilled = pid
            // Let it come back before the next moment is chosen.
            while Monotonic.now() < deadline && (redisPid() == nil || redisPid() == pid) {
                guard upIsAlive() else { return }
                sleepSeconds(0.01)
            }
        }
        XCTAssertEqual(kills.count, 5, "the run ended before five kills")
        let fleetAfterKills = workerPids()

        // Nobody touches anything from here on: `up --exit-when-done` finishes the run alone.
        let status = up.waitForEnd(timeout: 90)
        XCTAssertEqual(status, 0, "up did not finish the run by itself (wait status \(status.map(String.init) ?? "none: still running")):\n\(up.stderr.suffix(3000))")
        XCTAssertEqual(fleetBefore.count, workers, "workers running before the first kill")
        XCTAssertEqual(fleetAfterKills, fleetBefore, "a worker died and was respawned while Redis was down")
        XCTAssertFalse(up.stderr.contains("signal 13"), "a worker died of SIGPIPE:\n\(up.stderr.suffix(3000))")
        XCTAssertFalse(up.stderr.contains("respawning"), "workers died:\n\(up.stderr.suffix(3000))")
        XCTAssertEqual(up.stderr.components(separatedBy: "the embedded redis-server was killed by signal 9; restarting it").count - 1, 5,
                       up.stderr.suffix(3000).description)
        XCTAssertEqual(up.stderr.components(separatedBy: "the embedded redis-server is back").count - 1, 5)

        // Bring the same Redis back (AOF replay) to read what the run left.
        let server = RedisServerProcess(.init(directory: ws.stateDir, appendOnly: true, appendFsync: "always", password: ws.password))
        try server.start()
        defer { server.stop() }
        let c = try SchedulerClient(redis: RedisConnection(url: server.url), namespace: ws.namespace)
        XCTAssertEqual(try c.stateCounts(), ["succeeded": taskCount], "every task succeeded, none lost")
        let reader = EventReader(redis: c.redis, namespace: ws.namespace)
        var succeededEvents: [String: Int] = [:]
        var history: [String: [SwarmEvent]] = [:]
        var last = "0"
        while true {
            let batch = try reader.read(after: last, count: 5000)
            guard let l = batch.last else { break }
            for e in batch {
                history[e.task, default: []].append(e)
                if e.type == "succeeded" { succeededEvents[e.task, default: 0] += 1 }
            }
            last = l.id
        }
        XCTAssertEqual(succeededEvents.count, taskCount)
        // A task that succeeded twice explains itself: its whole history on the stream and its hash.
        for (task, n) in succeededEvents.sorted(by: { $0.key < $1.key }) where n != 1 {
            let events = (history[task] ?? []).map { "  \($0.id) \($0.type) \($0.fields.sorted { $0.key < $1.key })" }
            let hash = (try? c.taskFields(task)) ?? [:]
            XCTFail("\(task) succeeded \(n) times; its events:\n\(events.joined(separator: "\n"))\nits hash: \(hash.sorted { $0.key < $1.key })\nkills \(kills)")
        }
        XCTAssertEqual(succeededEvents.values.filter { $0 != 1 }.count, 0, "a task succeeded twice")

        // From the tasks' own lines: every task ran, and a task that ran again had its earlier
        // run in flight at a kill (started before it, the rerun started after it).
        var runs: [String: [(start: Int, end: Int)]] = [:]
        for line in try String(contentsOfFile: evidence, encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 4, let s = Int(f[2]), let e = Int(f[3]) else { XCTFail("bad evidence line \(line)"); continue }
            runs[String(f[0]), default: []].append((s, e))
        }
        XCTAssertEqual(runs.count, taskCount, "every task ran")
        var reruns = 0
        for (task, list) in runs where list.count > 1 {
            let sorted = list.sorted { $0.start < $1.start }
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                reruns += 1
                XCTAssertTrue(kills.contains { a.start <= $0 && $0 <= b.start },
                              "\(task) ran again at \(b.start) though no kill hit its run \(a.start)-\(a.end); kills \(kills)")
            }
        }
        print("redis chaos: 5 kills, \(reruns) reruns of in-flight tasks, \(runs.values.map(\.count).reduce(0, +)) runs")
    }
}
