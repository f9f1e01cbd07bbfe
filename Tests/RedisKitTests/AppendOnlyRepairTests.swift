import Foundation
import RedisKit
import SwarmSupport
import SwarmTestSupport
import XCTest

/// A redis-server killed while writing a transaction to its append-only file leaves the block
/// cut short. The call it held never answered, so its caller retries it on the restarted server;
/// the lost call must stay lost, or it lands twice (seen as a task that succeeded twice in
/// RedisChaosTests).
final class AppendOnlyRepairTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        ignoreBrokenPipeSignal()
    }

    /// One call's writes as Redis logs a function call: a MULTI … EXEC block.
    private func call(_ c: RedisConnection, _ name: String) throws {
        let replies = try c.pipeline([RedisCommand("MULTI"), RedisCommand("HINCRBY", "stats", "calls", 1),
                                      RedisCommand("XADD", "events", "*", "call", name), RedisCommand("EXEC")])
        XCTAssertEqual(replies.count, 4)
    }

    private func calls(_ c: RedisConnection) throws -> [String] {
        (try c.send("XRANGE", "events", "-", "+").array ?? []).compactMap { $0.array?[1].array?[1].string }
    }

    func testACallCutShortByAKillStaysLostAfterTheNextTwoRestarts() throws {
        let dir = NSTemporaryDirectory() + "swarm-aof-repair-\(UUID().uuidString)"
        let server = RedisServerProcess(.init(directory: dir, appendOnly: true, appendFsync: "always"))
        defer { server.destroy() }
        try server.start()
        var c = try RedisConnection(url: server.url)
        try call(c, "first")
        try call(c, "lost")
        server.kill()

        // The cut a SIGKILL in the middle of the write leaves: every command of the block but
        // its EXEC is whole.
        let aofDir = dir + "/appendonlydir"
        let incr = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: aofDir).first { $0.hasSuffix(".incr.aof") })
        let path = aofDir + "/" + incr
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertEqual(truncate(path, off_t(size - 10)), 0)

        try server.start()
        c = try RedisConnection(url: server.url)
        XCTAssertEqual(try calls(c), ["first"], "the cut call is not applied")
        try call(c, "retry")  // its caller got no reply: it sends it again
        server.stop()

        try server.start()
        c = try RedisConnection(url: server.url)
        XCTAssertEqual(try calls(c), ["first", "retry"], "the cut call came back with the next transaction")
        XCTAssertEqual(try c.send("HGET", "stats", "calls").string, "2")
        XCTAssertTrue(FileManager.default.fileExists(atPath: server.repairLogPath))
    }
}
