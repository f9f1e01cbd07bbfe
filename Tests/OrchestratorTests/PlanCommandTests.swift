import Foundation
import XCTest

final class PlanCommandTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func testPlanPrintsLayersAndRendersEveryFormat() throws {
        let file = root + "/examples/login-feature.yaml"
        let (code, table, err) = try CLIProcess.run(["plan", file], cwd: root)
        XCTAssertEqual(code, 0, err)
        XCTAssertTrue(table.contains("Feature login: 7 tasks, 5 layers"), table)
        XCTAssertTrue(table.contains("Critical path"), table)
        let (_, json, _) = try CLIProcess.run(["plan", file, "--format", "json"], cwd: root)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], json)
        let (_, dot, _) = try CLIProcess.run(["plan", file, "--format", "dot"], cwd: root)
        XCTAssertTrue(dot.hasPrefix("digraph"), dot)
        let (_, mermaid, _) = try CLIProcess.run(["plan", file, "--format", "mermaid"], cwd: root)
        XCTAssertTrue(mermaid.contains("-->"), mermaid)
    }

    func testBadPlanExitsOneNamingTheCycle() throws {
        let (code, _, err) = try CLIProcess.run(["plan", root + "/examples/bad-cycle.yaml"], cwd: root)
        XCTAssertEqual(code, 1)
        XCTAssertTrue(err.contains("dependency cycle api -> db -> migrations -> api"), err)
        XCTAssertTrue(err.contains("line 9"), err)
    }

    func testFeatureTextIsDecomposedByTheTemplate() throws {
        let (code, out, err) = try CLIProcess.run(["plan", "--feature", "Add password reset"], cwd: root)
        XCTAssertEqual(code, 0, err)
        XCTAssertTrue(out.contains("backend") && out.contains("tests") && out.contains("docs"), out)
    }
}
