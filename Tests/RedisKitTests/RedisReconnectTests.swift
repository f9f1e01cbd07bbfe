import RedisKit
import SwarmSupport
import SwarmTestSupport
import XCTest

final class RedisReconnectTests: XCTestCase {
    func testRecoversAfterServerRestartOnSamePort() throws {
        let server = RedisServerProcess.temporary(tcp: true)
        defer { server.destroy() }
        try server.start()
        let url = try XCTUnwrap(server.tcpURL)
        let redis = try RedisConnection(url: url, options: RedisOptions(connectTimeout: 0.5, commandTimeout: 0.5,
                                                                        reconnect: Backoff(base: 0.02, max: 0.2)))
        try redis.send("SET", "k", "before")

        server.kill()
        // While it is down every call fails fast with a connection error naming the address.
        for _ in 0..<5 {
            let start = Monotonic.now()
            XCTAssertThrowsError(try redis.send("PING")) { error in
                guard let e = error as? RedisError, e.isConnectionError else { return XCTFail("\(error)") }
                XCTAssertTrue(e.description.contains(url.address), e.description)
            }
            XCTAssertLessThan(Monotonic.now() - start, 1.0, "a call on a dead server must not hang past its timeout")
        }

        try server.start()
        // The same connection object recovers: at most one call may still see the old state.
        var pong: RedisValue?
        let deadline = Monotonic.now() + 3
        while pong == nil && Monotonic.now() < deadline {
            pong = try? redis.send("PING")
            if pong == nil { sleepSeconds(0.05) }
        }
        XCTAssertEqual(pong, .status("PONG"))
        XCTAssertGreaterThanOrEqual(redis.reconnectCount, 1)
        try redis.send("SET", "k", "after")
        XCTAssertEqual(try redis.send("GET", "k").string, "after")
    }

    func testRetryHelperWaitsForTheServer() throws {
        let server = RedisServerProcess.temporary(tcp: false)
        defer { server.destroy() }
        let url = server.url
        let starter = Thread { sleepSeconds(0.3); try? server.start() }
        starter.start()
        var retries = 0
        let value = try withRedisRetry(deadline: 10, backoff: Backoff(base: 0.05, max: 0.2), onRetry: { _, _ in retries += 1 }) {
            () throws(RedisError) -> RedisValue in
            let c = try RedisConnection(url: url, options: RedisOptions(connectTimeout: 0.2))
            return try c.send("PING")
        }
        XCTAssertEqual(value, .status("PONG"))
        XCTAssertGreaterThan(retries, 0, "the first attempts ran before the server was up")
    }

    func testRetryHelperGivesUpWithTheLastError() {
        let port = freeTCPPort()
        let start = Monotonic.now()
        XCTAssertThrowsError(try withRedisRetry(deadline: 0.5, backoff: Backoff(base: 0.05, max: 0.1)) { () throws(RedisError) -> RedisValue in
            try RedisConnection("redis://127.0.0.1:\(port)").send("PING")
        }) { error in
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(port)"), "\(error)")
        }
        XCTAssertLessThan(Monotonic.now() - start, 2)
    }
}
