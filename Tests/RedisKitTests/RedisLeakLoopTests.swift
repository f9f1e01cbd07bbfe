import RedisKit
import SwarmTestSupport
import XCTest

/// The loop that README's development section runs under valgrind: 100,000 commands of every
/// reply shape, single and pipelined. Under plain `swift test` it checks the replies.
final class RedisLeakLoopTests: XCTestCase {
    func testHundredThousandCommandsLoop() throws {
        let redis = try TestRedis.fresh()
        try redis.send("RPUSH", "list", "a", "b", "c")
        var sent = 0
        for i in 0..<1_000 {
            XCTAssertEqual(try redis.send("SET", "k\(i % 10)", "v\(i)"), .status("OK"))
            XCTAssertEqual(try redis.send("GET", "k\(i % 10)").string, "v\(i)")
            XCTAssertEqual(try redis.send("LRANGE", "list", 0, -1).array?.count, 3)
            XCTAssertEqual(try redis.sendRaw(RedisCommand("LPUSH", "k0", "x")).description.hasPrefix("-WRONGTYPE"), true)
            sent += 4
        }
        while sent < 100_000 {
            let batch = (0..<1000).map { i in i % 2 == 0 ? RedisCommand("INCR", "n") : RedisCommand("GET", "missing") }
            let replies = try redis.pipeline(batch)
            XCTAssertEqual(replies.count, 1000)
            sent += 1000
        }
        XCTAssertEqual(sent, 100_000)
    }
}
