import Foundation
import RedisKit
@testable import Scheduler
import SwarmSupport
import SwarmTestSupport
import XCTest

/// Workers against an external Redis that goes away for a while: they neither die (SIGPIPE) nor
/// give up, say what they wait for, and carry on when it is back.
final class RedisOutageTests: XCTestCase {
    func testAWorkerOutlivesAKilledRedisAndRunsWhatIsSubmittedAfterItComesBack() throws {
        ignoreBrokenPipeSignal()
        let server = RedisServerProcess(.init(directory: NSTemporaryDirectory() + "swarm-outage-\(UUID().uuidString)",
                                              appendOnly: true, appendFsync: "always"))
        defer { server.destroy() }
        try server.start()
        let ws = try TestWorkspace(namespace: "outage")
        let env = ["SWARM_REDIS_URL": "unix://" + server.socketPath]
        let worker = try CLIProcess(["worker", "--id", "outage-1"] + ws.configArgs, env: env)
        defer { kill(worker.process.processIdentifier, SIGKILL) }
        let c = try SchedulerClient(redis: RedisConnection(url: server.url, options: RedisOptions(reconnect: Backoff(base: 0.01, max: 0.1))),
                                    namespace: ws.namespace)
        var registered = false
        let deadline = Monotonic.now() + 20
        while !registered && Monotonic.now() < deadline {
            registered = (try? c.redis.send("HGET", c.keys.worker("outage-1"), "state").string) != nil
            sleepSeconds(0.05)
        }
        XCTAssertTrue(registered, worker.stderr)

        server.kill()
        // Several heartbeats (0.3 s apart) and claims hit the dead socket meanwhile.
        sleepSeconds(3)
        if let status = worker.endStatus {
            return XCTFail("the worker ended while Redis was down (wait status \(status); 13 is SIGPIPE):\n\(worker.stderr)")
        }
        try server.start()

        let loop = SchedulerLoop(url: server.url, namespace: ws.namespace, maxSleep: 0.05)
        loop.start()
        defer { loop.stop() }
        let plan = try ws.write("p.yaml", planText(feature: "o", count: 5, command: "true"))
        let (code, _, err) = try CLIProcess.run(["submit", plan] + ws.configArgs, env: env)
        XCTAssertEqual(code, 0, err)
        let finish = Monotonic.now() + 30
        while Monotonic.now() < finish, ((try? c.stateCounts())?["succeeded"] ?? 0) < 5 { sleepSeconds(0.05) }
        XCTAssertEqual(try c.stateCounts(), ["succeeded": 5], worker.stderr)
        var ranOn = Set<String>()
        for e in try EventReader(redis: c.redis, namespace: ws.namespace).read(after: "0", count: 1000) where e.type == "running" {
            ranOn.insert(e.fields["worker"] ?? "")
        }
        XCTAssertEqual(ranOn, ["outage-1"], "the same worker process ran them")

        kill(worker.process.processIdentifier, SIGTERM)
        XCTAssertEqual(worker.waitForEnd(timeout: 15), 0)
        let log = worker.stderr
        XCTAssertTrue(log.contains("Redis at unix:\(server.socketPath) failed"), "it said what failed:\n\(log)")
        XCTAssertTrue(log.contains("answers again"), "it said when Redis was back:\n\(log)")
        XCTAssertLessThan(log.components(separatedBy: "failed").count, 20, "one line per outage, not one per retry:\n\(log)")
    }
}
