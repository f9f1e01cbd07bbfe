import XCTest
@testable import Planner

/// `redis.durability`: the embedded redis-server's `appendfsync`.
final class RedisDurabilityConfigTests: XCTestCase {
    func testDurabilityDefaultsToEverysecAndAcceptsAlways() throws {
        XCTAssertEqual(try SwarmConfig.load(yaml: "redis: {}", environment: [:]).redis.durability, .everysec)
        XCTAssertEqual(try SwarmConfig.load(yaml: "redis:\n  durability: always\n", environment: [:]).redis.durability, .always)
    }

    func testAnUnknownDurabilityIsRefusedWithItsLineAndTheChoices() {
        let problems = configProblems("""
        redis:
          durability: sometimes
        """)
        assertProblem(problems, path: "redis.durability", line: 2, contains: ["sometimes", "always", "everysec"])
    }
}
