import RedisKit
import XCTest

final class RedisURLTests: XCTestCase {
    func testParsesTCPWithCredentialsAndDatabase() throws {
        let url = try RedisURL(parsing: "redis://alice:s3cr%40t@db.example:6380/2")
        XCTAssertEqual(url.endpoint, .tcp(host: "db.example", port: 6380))
        XCTAssertEqual(url.username, "alice")
        XCTAssertEqual(url.password, "s3cr@t")
        XCTAssertEqual(url.database, 2)
        XCTAssertFalse(url.description.contains("s3cr"), "the password must never be printed")
    }

    func testDefaultsPortAndDatabase() throws {
        let url = try RedisURL(parsing: "redis://localhost")
        XCTAssertEqual(url.endpoint, .tcp(host: "localhost", port: 6379))
        XCTAssertEqual(url.database, 0)
        XCTAssertNil(url.password)
    }

    func testPasswordOnlyAndIPv6() throws {
        let url = try RedisURL(parsing: "redis://:pw@[::1]:7000")
        XCTAssertEqual(url.endpoint, .tcp(host: "::1", port: 7000))
        XCTAssertNil(url.username)
        XCTAssertEqual(url.password, "pw")
    }

    func testParsesUnixSocketWithDatabase() throws {
        let url = try RedisURL(parsing: "unix:///tmp/redis.sock?db=3")
        XCTAssertEqual(url.endpoint, .unix(path: "/tmp/redis.sock"))
        XCTAssertEqual(url.database, 3)
    }

    func testInvalidURLsNameThePart() {
        let cases: [(String, String)] = [
            ("redis://localhost:99999", "port"),
            ("redis://localhost:abc", "port"),
            ("http://localhost:6379", "scheme"),
            ("localhost:6379", "scheme"),
            ("redis://:6379", "host"),
            ("redis://", "host"),
            ("unix://", "path"),
            ("redis://localhost/notadb", "database"),
        ]
        for (text, part) in cases {
            XCTAssertThrowsError(try RedisURL(parsing: text), text) { error in
                guard case let RedisError.invalidURL(_, badPart, _) = error else {
                    return XCTFail("\(text): expected invalidURL, got \(error)")
                }
                XCTAssertEqual(badPart, part, text)
                XCTAssertTrue("\(error)".contains("bad \(part)"), "\(error)")
            }
        }
    }

    func testInvalidURLMessageMasksPassword() {
        XCTAssertThrowsError(try RedisURL(parsing: "redis://bob:hunter2@host:0")) { error in
            XCTAssertFalse("\(error)".contains("hunter2"), "\(error)")
        }
    }
}
