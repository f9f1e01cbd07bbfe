import Foundation
import RedisKit
import Scheduler
import SwarmTestSupport
import XCTest

/// One ledger per namespace: the same task id in two namespaces never shares a row.
final class LedgerNamespaceTests: XCTestCase {
    func testEachNamespaceGetsItsOwnLedgerFile() {
        XCTAssertEqual(Ledger.path(base: "/s/ledger.sqlite", namespace: "default"), "/s/ledger.sqlite",
                       "the default namespace keeps the configured file")
        XCTAssertEqual(Ledger.path(base: "/s/ledger.sqlite", namespace: "other"), "/s/ledger.other.sqlite")
        XCTAssertEqual(Ledger.path(base: "/s/ledger", namespace: "other"), "/s/ledger.other")
    }

    func testALedgerFileRefusesAnotherNamespace() throws {
        let path = NSTemporaryDirectory() + "ns-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try Ledger(path: path, namespace: "one")
        XCTAssertNoThrow(try Ledger(path: path, namespace: "one"))
        XCTAssertThrowsError(try Ledger(path: path, namespace: "two")) { error in
            XCTAssertTrue("\(error)".contains("belongs to namespace 'one'"), "\(error)")
        }
    }

    func testSameTaskIdInTwoNamespacesKeepsBothHistories() throws {
        let redis = try TestRedis.fresh()
        let base = NSTemporaryDirectory() + "ns-\(UUID().uuidString)/ledger.sqlite"
        defer { try? FileManager.default.removeItem(atPath: (base as NSString).deletingLastPathComponent) }
        for (ns, finish) in [("nsa", true), ("nsb", false)] {
            let c = try SchedulerClient(redis: redis, namespace: ns)
            try c.configure(SchedulerSettings())
            _ = try c.submit(feature: "f", description: "", budget: 0, idempotencyKey: "k", tasks: [TaskRecord(gid: "f/a", type: "noop")])
            if finish, let t = try c.tryClaim(worker: "w", routes: ["any"]) { try c.complete(t, worker: "w", tokensUsed: 0) }
        }
        for ns in ["nsa", "nsb", "nsa"] {
            let ledger = try Ledger(path: Ledger.path(base: base, namespace: ns), namespace: ns)
            try LedgerWriter.catchUp(url: TestRedis.server.url, namespace: ns, ledger: ledger)
        }
        XCTAssertEqual(try Ledger(path: Ledger.path(base: base, namespace: "nsa"), namespace: "nsa").tasks().map(\.state), ["succeeded"])
        XCTAssertEqual(try Ledger(path: Ledger.path(base: base, namespace: "nsb"), namespace: "nsb").tasks().map(\.state), ["dispatched"])
    }

    func testSchedulerClientRefusesANamespaceThatBreaksTheKeyLayout() throws {
        let redis = try TestRedis.fresh()
        for bad in ["*", "a}b", "", "a b", String(repeating: "n", count: 65), "é"] {
            XCTAssertThrowsError(try SchedulerClient(redis: redis, namespace: bad), bad) { error in
                guard case SchedulerError.refused(.badInput, _) = error else { return XCTFail("\(error)") }
            }
        }
    }
}
