import Foundation
import Planner
import RedisKit
@testable import Scheduler
import SwarmSupport
import SwarmTestSupport
import WorkerAgent
import XCTest

/// Workers run only task specs signed by a key they trust (issue 9, item 12).
final class SignedSpecTests: XCTestCase {
    private var evidence = ""

    override func setUpWithError() throws {
        evidence = try makeTemporaryDirectory(self)
    }

    /// A task that leaves a file named `name` in the evidence directory when it runs.
    private func touching(_ id: String, _ name: String, feature: String = "sg") -> TaskSpec {
        TaskSpec(id: id, feature: feature, type: "script", executor: .script(command: "touch '\(evidence)/\(name)'"),
                 retries: 0, timeout: 30, cwd: evidence)
    }

    private func ran(_ name: String) -> Bool { FileManager.default.fileExists(atPath: evidence + "/" + name) }

    /// Submits `records` on a fresh namespace, lets `tamper` change Redis, then runs one worker
    /// with `config` until every task has settled; returns the client.
    private func run(_ records: [TaskRecord], namespace: String, config: SwarmConfig,
                     tamper: (RedisConnection, Keys) throws -> Void = { _, _ in }) throws -> SchedulerClient {
        let redis = try TestRedis.fresh()
        let client = try SchedulerClient(redis: redis, namespace: namespace)
        try client.configure(SchedulerSettings())
        _ = try client.submit(feature: "sg", description: "", budget: 0, idempotencyKey: namespace, tasks: records)
        try tamper(redis, client.keys)
        let worker = try TestWorker(id: namespace + "-w", namespace: namespace, config: config)
        defer { worker.stop() }
        let deadline = Monotonic.now() + 20
        while Monotonic.now() < deadline {
            let c = try client.stateCounts()
            if ["succeeded", "needs_human", "failed"].reduce(0, { $0 + (c[$1] ?? 0) }) == records.count { break }
            sleepSeconds(0.05)
        }
        return client
    }

    private func rejections(_ client: SchedulerClient) throws -> [String: String] {
        var out: [String: String] = [:]
        for e in try EventReader(redis: client.redis, namespace: client.keys.namespace).read(count: 10_000)
        where e.type == "spec_rejected" {
            out[e.task] = e.fields["reason"] ?? ""
        }
        return out
    }

    func testWorkerRefusesASpecAlteredInRedisAfterSubmission() throws {
        let record = try TaskRecord(spec: touching("t", "harmless"), repo: nil).signed(by: testSigner, feature: "sg")
        let evil = try touching("t", "altered").encodedJSONString()
        let client = try run([record], namespace: "sg-alter", config: .trustingTestSigner()) { redis, keys in
            try redis.send("HSET", keys.task("sg/t"), "spec", evil)
        }
        XCTAssertEqual(try client.state(of: "sg/t"), "needs_human")
        XCTAssertFalse(ran("altered"), "the altered command ran")
        XCTAssertFalse(ran("harmless"))
        let reason = try rejections(client)["sg/t"]
        XCTAssertNotNil(reason, "no spec_rejected event")
        XCTAssertTrue(reason?.contains("does not match the stored spec") ?? false, reason ?? "")
        XCTAssertTrue(try client.taskFields("sg/t")["reason"]?.contains("spec rejected") ?? false)
    }

    func testCorrectlySignedTaskRuns() throws {
        let record = try TaskRecord(spec: touching("ok", "ok"), repo: nil).signed(by: testSigner, feature: "sg")
        let client = try run([record], namespace: "sg-ok", config: .trustingTestSigner())
        XCTAssertEqual(try client.state(of: "sg/ok"), "succeeded")
        XCTAssertTrue(ran("ok"))
        XCTAssertTrue(try rejections(client).isEmpty)
    }

    func testUnsignedOrForeignSignedTasksAreRefusedWhenKeysAreConfigured() throws {
        let stranger = SpecSigner()
        let records = [
            TaskRecord(spec: touching("unsigned", "unsigned"), repo: nil),
            try TaskRecord(spec: touching("stranger", "stranger"), repo: nil).signed(by: stranger, feature: "sg"),
            try TaskRecord(spec: touching("good", "good"), repo: nil).signed(by: testSigner, feature: "sg"),
        ]
        let client = try run(records, namespace: "sg-unsigned", config: .trustingTestSigner())
        let refused = try rejections(client)
        XCTAssertEqual(try client.state(of: "sg/unsigned"), "needs_human")
        XCTAssertEqual(try client.state(of: "sg/stranger"), "needs_human")
        XCTAssertTrue(refused["sg/unsigned"]?.contains("not signed") ?? false, "\(refused)")
        XCTAssertTrue(refused["sg/stranger"]?.contains(stranger.publicKeyBase64) ?? false, "\(refused)")
        XCTAssertFalse(ran("unsigned") || ran("stranger"))
        XCTAssertEqual(try client.state(of: "sg/good"), "succeeded")
        XCTAssertTrue(ran("good"))
    }

    /// A valid signature and spec copied from one task onto another do not verify there: the
    /// signature covers the task id and feature too.
    func testASignatureCannotBeReplayedOntoAnotherTask() throws {
        let donor = try TaskRecord(spec: touching("donor", "donor"), repo: nil).signed(by: testSigner, feature: "sg")
        let victim = try TaskRecord(spec: touching("victim", "victim"), repo: nil).signed(by: testSigner, feature: "sg")
        let client = try run([victim], namespace: "sg-replay", config: .trustingTestSigner()) { redis, keys in
            try redis.send("HSET", keys.task("sg/victim"), "spec", donor.specJSON, "sig", donor.signature)
        }
        XCTAssertEqual(try client.state(of: "sg/victim"), "needs_human")
        XCTAssertNotNil(try rejections(client)["sg/victim"])
        XCTAssertFalse(ran("donor") || ran("victim"))
    }

    /// With signatures required and no key to trust, a worker refuses to start rather than
    /// take tasks it would refuse; the message says what to configure.
    func testWorkerWithoutTrustedKeysRefusesToStart() {
        var config = SwarmConfig()
        config.orchestrator.stateDir = NSTemporaryDirectory() + "swarm-empty-" + UUID().uuidString
        XCTAssertThrowsError(try WorkerSettings(config: config, id: "w", host: "h", environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("security.trusted_keys"), "\(error)")
        }
        config.security.requireSignatures = false
        XCTAssertNoThrow(try WorkerSettings(config: config, id: "w", host: "h", environment: [:]))
    }

    /// The host key pair in state_dir: created once, private key 0600, and trusted by a worker
    /// using that state_dir.
    func testHostKeyPairIsPrivateAndTrustedByWorkersSharingTheStateDirectory() throws {
        let state = evidence + "/state"
        XCTAssertTrue(try HostSigningKey.ensure(stateDirectory: state))
        XCTAssertFalse(try HostSigningKey.ensure(stateDirectory: state), "a second call keeps the first key")
        let mode = try FileManager.default.attributesOfItem(atPath: state + "/signing.key")[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        var config = SwarmConfig()
        config.orchestrator.stateDir = state
        let settings = try WorkerSettings(config: config, id: "w", host: "h", environment: [:])
        guard case let .signed(keys, _) = settings.specTrust else { return XCTFail("not verifying") }
        let host = try XCTUnwrap(try HostSigningKey.signer(stateDirectory: state))
        XCTAssertEqual(keys.base64Keys, [host.publicKeyBase64])
    }

    /// A worker trusts the keys `up` hands it in SWARM_TRUSTED_KEYS besides its config's.
    func testWorkerTrustsTheKeysItsEnvironmentNames() throws {
        var config = SwarmConfig()
        config.orchestrator.stateDir = evidence + "/none"
        let other = SpecSigner()
        let settings = try WorkerSettings(config: config, id: "w", host: "h", environment: [
            "SWARM_TRUSTED_KEYS": "\(testSigner.publicKeyBase64), \(other.publicKeyBase64)",
        ])
        guard case let .signed(keys, _) = settings.specTrust else { return XCTFail("not verifying") }
        XCTAssertEqual(Set(keys.base64Keys), [testSigner.publicKeyBase64, other.publicKeyBase64])
    }

    /// `reject_spec` respects fencing: a report with an old token changes nothing.
    func testRejectionWithAStaleTokenIsRefused() throws {
        let redis = try TestRedis.fresh()
        let client = try SchedulerClient(redis: redis, namespace: "sg-fence")
        try client.configure(SchedulerSettings())
        _ = try client.submit(feature: "sg", description: "", budget: 0, idempotencyKey: "f",
                              tasks: [TaskRecord(spec: touching("f", "f"), repo: nil)])
        let started = try XCTUnwrap(try client.tryClaim(worker: "w1", routes: ["any"]))
        var old = started
        old.token -= 1
        XCTAssertThrowsError(try client.rejectSpec(old, worker: "w1", reason: "x")) {
            guard case SchedulerError.stale = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(try client.state(of: "sg/f"), "running")
        try client.rejectSpec(started, worker: "w1", reason: "spec rejected: test")
        XCTAssertEqual(try client.state(of: "sg/f"), "needs_human")
    }
}

extension TaskSpec {
    func encodedJSONString() throws -> String { String(decoding: encodedJSON(), as: UTF8.self) }
}
