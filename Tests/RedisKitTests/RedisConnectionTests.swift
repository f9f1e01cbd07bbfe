import RedisKit
import SwarmSupport
import SwarmTestSupport
import XCTest

final class RedisConnectionTests: XCTestCase {
    func testBinaryValuesWithNulBytesRoundTrip() throws {
        let redis = try TestRedis.fresh()
        let value: [UInt8] = [0, 1, 2, 0, 255, 0x0d, 0x0a, 0]
        try redis.send("SET", [UInt8]("bin\0key".utf8), value)
        XCTAssertEqual(try redis.send("GET", [UInt8]("bin\0key".utf8)).bytes, value)
    }

    func testOneMebibytePayloadRoundTrips() throws {
        let redis = try TestRedis.fresh()
        var rng = SeededRandom(seed: 7)
        let big = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        try redis.send("SET", "big", big)
        XCTAssertEqual(try redis.send("GET", "big").bytes, big)
        XCTAssertEqual(try redis.send("STRLEN", "big").int, 1 << 20)
    }

    func testEveryReplyTypeDecodes() throws {
        let redis = try TestRedis.fresh()
        XCTAssertEqual(try redis.send("SET", "k", "v"), .status("OK"))
        XCTAssertEqual(try redis.send("INCRBY", "n", 41), .integer(41))
        XCTAssertEqual(try redis.send("GET", "k"), .bulk(Array("v".utf8)))
        XCTAssertEqual(try redis.send("GET", "missing"), .null)
        try redis.send("RPUSH", "l", "a", "b")
        XCTAssertEqual(try redis.send("LRANGE", "l", 0, -1), .array([.bulk([97]), .bulk([98])]))
        XCTAssertEqual(try redis.sendRaw(RedisCommand("INCR", "k")), .error("ERR value is not an integer or out of range"))
        XCTAssertEqual(try redis.send("EVAL", "return {1, {'x', false}}", 0), .array([.integer(1), .array([.bulk([120]), .null])]))
    }

    func testServerErrorCarriesRedisMessage() throws {
        let redis = try TestRedis.fresh()
        try redis.send("SET", "s", "x")
        XCTAssertThrowsError(try redis.send("LPUSH", "s", "y")) { error in
            guard let e = error as? RedisError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.serverCode, "WRONGTYPE")
            XCTAssertTrue(e.description.contains("WRONGTYPE Operation against a key holding the wrong kind of value"), e.description)
        }
    }

    func testPipelineOfTenThousandReturnsRepliesInOrder() throws {
        let redis = try TestRedis.fresh()
        let commands = (0..<10_000).map { _ in RedisCommand("INCR", "counter") }
        let replies = try redis.pipeline(commands)
        XCTAssertEqual(replies.count, 10_000)
        XCTAssertEqual(replies.map { $0.int ?? -1 }, Array(1...10_000))
    }

    func testPipelineKeepsErrorRepliesInPlace() throws {
        let redis = try TestRedis.fresh()
        try redis.send("SET", "s", "x")
        let replies = try redis.pipeline([RedisCommand("PING"), RedisCommand("LPUSH", "s", "y"), RedisCommand("GET", "s")])
        XCTAssertEqual(replies[0], .status("PONG"))
        guard case let .error(message) = replies[1] else { return XCTFail("\(replies[1])") }
        XCTAssertTrue(message.hasPrefix("WRONGTYPE"))
        XCTAssertEqual(replies[2].string, "x")
    }

    func testBlockingPopOutlastsCommandTimeout() throws {
        _ = try TestRedis.fresh()
        let redis = try RedisConnection(url: TestRedis.server.url, options: RedisOptions(commandTimeout: 0.5))
        let start = Monotonic.now()
        let reply = try redis.blocking(RedisCommand("BLMPOP", 2, 1, "empty-list", "LEFT"), blockSeconds: 2)
        let elapsed = Monotonic.now() - start
        XCTAssertEqual(reply, .null)
        XCTAssertGreaterThan(elapsed, 1.9, "the server-side block should have lasted its 2 s")
        // The normal timeout is back in force afterwards and the connection still works.
        XCTAssertEqual(try redis.send("PING"), .status("PONG"))
    }

    func testBlockingPopReturnsPushedValue() throws {
        let redis = try TestRedis.fresh()
        try redis.send("RPUSH", "q", "job")
        let reply = try redis.blocking(RedisCommand("BLMPOP", 1, 1, "q", "LEFT"), blockSeconds: 1)
        XCTAssertEqual(reply, .array([.bulk(Array("q".utf8)), .array([.bulk(Array("job".utf8))])]))
    }

    func testCommandTimeoutFiresAndConnectionRecovers() throws {
        let admin = try TestRedis.fresh()
        let redis = try RedisConnection(url: TestRedis.server.url, options: RedisOptions(commandTimeout: 0.3))
        try admin.send("CLIENT", "PAUSE", 1200, "ALL")
        let start = Monotonic.now()
        XCTAssertThrowsError(try redis.send("PING")) { error in
            guard case RedisError.timeout = error else { return XCTFail("expected timeout, got \(error)") }
        }
        XCTAssertLessThan(Monotonic.now() - start, 1.0, "a command must not hang past its timeout")
        try admin.send("CLIENT", "UNPAUSE")
        XCTAssertEqual(try redis.send("PING"), .status("PONG"))
    }

    func testRefusedConnectionNamesTheAddress() {
        let port = freeTCPPort()
        XCTAssertThrowsError(try RedisConnection("redis://127.0.0.1:\(port)")) { error in
            guard case let RedisError.connectionFailed(address, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(address, "127.0.0.1:\(port)")
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(port)"))
        }
        XCTAssertThrowsError(try RedisConnection("unix:///nonexistent/redis.sock")) { error in
            XCTAssertTrue("\(error)".contains("unix:/nonexistent/redis.sock"), "\(error)")
        }
    }

    func testPoolReusesConnections() throws {
        _ = try TestRedis.fresh()
        let pool = RedisPool(url: TestRedis.server.url, maxIdle: 2)
        let id1 = try pool.withConnection { try $0.send("CLIENT", "ID").int }
        let id2 = try pool.withConnection { try $0.send("CLIENT", "ID").int }
        XCTAssertEqual(id1, id2, "the idle connection should be lent again")
        XCTAssertEqual(pool.idleCount, 1)
        // Several threads at once each get their own connection.
        let group = DispatchGroup()
        for i in 0..<8 {
            DispatchQueue.global().async(group: group) {
                _ = try? pool.withConnection { try $0.send("INCRBY", "pooled", i) }
            }
        }
        group.wait()
        XCTAssertEqual(try pool.withConnection { try $0.send("GET", "pooled").int }, 28)
        XCTAssertLessThanOrEqual(pool.idleCount, 2)
    }
}
