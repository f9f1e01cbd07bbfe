import Planner
import XCTest

/// config.yaml never holds a credential: every form of Redis password and inline signing keys
/// are refused, and the refusal does not repeat the secret (issue 9, items 12 and 14).
final class ConfigCredentialTests: XCTestCase {
    func testEveryFormOfRedisPasswordInTheFileIsRefused() {
        for url in ["redis://host/0?password=hunter2xyz", "redis://hunter2xyz@host", "redis://user:hunter2xyz@host:6379/0",
                    "unix:///tmp/r.sock?password=hunter2xyz", "unix://:hunter2xyz@/tmp/r.sock",
                    "redis://host/0?PassWord=hunter2xyz"] {
            let problems = configProblems("redis:\n  url: \"\(url)\"\n")
            assertProblem(problems, path: "redis.url", line: 2, contains: ["password", "SWARM_REDIS_URL"])
            XCTAssertFalse(problems.map(\.description).joined().contains("hunter2xyz"), url)
        }
        XCTAssertNoThrow(try SwarmConfig.load(yaml: "redis:\n  url: redis://host:6379/0?db=1\n", environment: [:]))
    }

    func testANonRedisURLIsRefusedWithoutQuotingIt() {
        let problems = configProblems("redis:\n  url: \"rediss://:hunter2xyz@host\"\n")
        assertProblem(problems, path: "redis.url", line: 2, contains: ["not a Redis URL", "rediss"])
        XCTAssertFalse(problems.map(\.description).joined().contains("hunter2xyz"))
    }

    func testSigningSettingsAreReadAndAnInlineKeyIsRefused() throws {
        let config = try SwarmConfig.load(yaml: """
            security:
              signing_key_file: /etc/swarm/signing.key
              trusted_keys: [/etc/swarm/ops.pub, "Q2FmZUJhYmVDYWZlQmFiZUNhZmVCYWJlQ2FmZUJhYmU="]
              require_signatures: false
            """, environment: [:])
        XCTAssertEqual(config.security.signingKeyFile, "/etc/swarm/signing.key")
        XCTAssertEqual(config.security.trustedKeys.count, 2)
        XCTAssertFalse(config.security.requireSignatures)
        XCTAssertTrue(SwarmConfig().security.requireSignatures, "signatures are required by default")

        let problems = configProblems("security:\n  signing_key_file: \"Q2FmZUJhYmVDYWZlQmFiZUNhZmVCYWJlQ2FmZUJhYmU=\"\n")
        assertProblem(problems, path: "security.signing_key_file", line: 2, contains: ["path"])
    }
}
