import Foundation
import XCTest
@testable import Planner

final class RendererTests: XCTestCase {
    func loginPlan() throws -> Plan {
        try PlanLoader().load(path: repoRoot.appendingPathComponent("examples/login-feature.yaml").path)
    }

    func testTableShowsLayersCriticalPathAndWarnings() throws {
        let table = try loginPlan().rendered(as: .table)
        XCTAssertTrue(table.contains("Feature login: 7 tasks, 5 layers, at most 2 in parallel"), table)
        XCTAssertTrue(table.contains("Layer 0\n  ID "), table)
        XCTAssertTrue(table.contains("schema"), table)
        XCTAssertTrue(table.contains("db/migrations/"), table)
        XCTAssertTrue(table.contains("Critical path (2280 s estimated): schema -> auth-service -> api -> e2e-tests -> docs"), table)
        XCTAssertTrue(table.contains("Tokens: 830000 of 900000 budgeted"), table)

        let warned = try PlanLoader().load(text: noopPlan([("a", []), ("b", [])], artifacts: ["a": ["src/"], "b": ["src/x"]]))
        XCTAssertTrue(warned.rendered(as: .table).contains("1 warning:\n  line 10, column 17: tasks[1].artifacts: tasks 'a' and 'b'"), warned.rendered(as: .table))
    }

    func testJSONIsStableAndParsable() throws {
        let plan = try loginPlan()
        let json = plan.rendered(as: .json)
        XCTAssertEqual(json, try loginPlan().rendered(as: .json))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let analysis = try XCTUnwrap(object["analysis"] as? [String: Any])
        XCTAssertEqual(analysis["max_width"] as? Int, 2)
        XCTAssertEqual(analysis["critical_path"] as? [String], plan.analysis.criticalPath)
        let feature = try XCTUnwrap(object["feature"] as? [String: Any])
        XCTAssertEqual((feature["tasks"] as? [Any])?.count, 7)
        XCTAssertNotNil(object["warnings"] as? [Any])
    }

    func testDotHasEveryEdgeAndEscapes() throws {
        let plan = try loginPlan()
        let dot = plan.rendered(as: .dot)
        XCTAssertTrue(dot.hasPrefix("digraph \"login\" {"), dot)
        let edges = plan.feature.tasks.reduce(0) { $0 + $1.dependsOn.count }
        XCTAssertEqual(dot.components(separatedBy: " -> ").count - 1, edges)
        XCTAssertTrue(dot.contains("\"schema\" -> \"auth-service\" [color=red, penwidth=2];"), dot)
        XCTAssertEqual(DotRenderer.quote("a\"b\\c"), "\"a\\\"b\\\\c\"")
    }

    func testMermaidHasEveryEdge() throws {
        let plan = try loginPlan()
        let mermaid = plan.rendered(as: .mermaid)
        XCTAssertTrue(mermaid.hasPrefix("flowchart LR\n"))
        XCTAssertTrue(mermaid.contains("t0[\"schema<br/>backend\"]"), mermaid)
        XCTAssertTrue(mermaid.contains("t0 ==> t1"), mermaid)
        XCTAssertTrue(mermaid.contains("t4 --> t5"), mermaid)
        let edges = plan.feature.tasks.reduce(0) { $0 + $1.dependsOn.count }
        let arrows = mermaid.components(separatedBy: " --> ").count + mermaid.components(separatedBy: " ==> ").count - 2
        XCTAssertEqual(arrows, edges)
    }
}
