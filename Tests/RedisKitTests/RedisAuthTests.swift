import RedisKit
import SwarmTestSupport
import XCTest

final class RedisAuthTests: XCTestCase {
    func testACLUserLimitedToSwarmKeys() throws {
        let admin = try TestRedis.fresh()
        try admin.send("ACL", "SETUSER", "swarmer", "reset", "on", ">right-pass", "~swarm:*", "+@all")
        defer { _ = try? admin.send("ACL", "DELUSER", "swarmer") }
        guard let port = TestRedis.server.configuration.port else { return XCTFail("test redis has no TCP port") }

        let user = try RedisConnection("redis://swarmer:right-pass@127.0.0.1:\(port)/0")
        try user.send("SET", "swarm:{ns}:x", "1")
        XCTAssertEqual(try user.send("GET", "swarm:{ns}:x").string, "1")
        XCTAssertThrowsError(try user.send("SET", "other:key", "1")) { error in
            guard let e = error as? RedisError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.serverCode, "NOPERM", e.description)
            XCTAssertTrue(e.description.contains("NOPERM"), e.description)
        }
    }

    func testWrongPasswordFailsClearly() throws {
        let admin = try TestRedis.fresh()
        try admin.send("ACL", "SETUSER", "swarmer2", "reset", "on", ">right-pass", "~swarm:*", "+@all")
        defer { _ = try? admin.send("ACL", "DELUSER", "swarmer2") }
        guard let port = TestRedis.server.configuration.port else { return XCTFail("test redis has no TCP port") }
        XCTAssertThrowsError(try RedisConnection("redis://swarmer2:wrong-pass@127.0.0.1:\(port)")) { error in
            guard case let RedisError.authenticationFailed(address, message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(address, "127.0.0.1:\(port)")
            XCTAssertTrue(message.contains("WRONGPASS"), message)
            XCTAssertFalse("\(error)".contains("wrong-pass"), "the password must not be echoed")
        }
    }
}
