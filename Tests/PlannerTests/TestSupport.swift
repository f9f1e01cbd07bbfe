import Foundation
import XCTest
@testable import Planner

/// The repository root, found from this file's location.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs `body`, expecting a ``ConfigError``; returns its problems.
func configProblems(_ yaml: String, environment: [String: String] = [:],
                    file: StaticString = #filePath, line: UInt = #line) -> [ConfigProblem] {
    do {
        _ = try SwarmConfig.load(yaml: yaml, source: "test.yaml", environment: environment)
        XCTFail("expected the config to be rejected", file: file, line: line)
        return []
    } catch {
        return error.problems
    }
}

/// Asserts that exactly one problem mentions `path` and is on `line`, and that its message contains every fragment.
func assertProblem(_ problems: [SourceProblem], path: String, line: Int?, contains fragments: [String] = [],
                   file: StaticString = #filePath, lineNumber: UInt = #line) {
    let matching = problems.filter { $0.path == path }
    guard let problem = matching.first else {
        XCTFail("no problem at \(path); got:\n\(problems.map(\.description).joined(separator: "\n"))", file: file, line: lineNumber)
        return
    }
    if let line { XCTAssertEqual(problem.line, line, "line of \(problem)", file: file, line: lineNumber) }
    for fragment in fragments {
        XCTAssertTrue(problem.message.contains(fragment), "'\(problem.message)' lacks '\(fragment)'", file: file, line: lineNumber)
    }
}

/// Loads plan text expecting a ``PlanError``; returns its problems.
func planProblems(_ text: String, format: PlanFileFormat = .yaml, config: SwarmConfig = SwarmConfig(), strict: Bool = false,
                  file: StaticString = #filePath, line: UInt = #line) -> [PlanProblem] {
    do {
        let plan = try PlanLoader(config: config, strict: strict).load(text: text, format: format, source: "plan.yaml")
        XCTFail("expected the plan to be rejected, got \(plan.analysis.order)", file: file, line: line)
        return []
    } catch {
        return error.problems
    }
}

/// A plan file of noop tasks: `edges` maps each task id to its dependencies.
func noopPlan(_ tasks: [(String, [String])], artifacts: [String: [String]] = [:]) -> String {
    var text = "feature: f\ntasks:\n"
    for (id, deps) in tasks {
        text += "  - id: \(id)\n    type: noop\n    executor: noop\n"
        if !deps.isEmpty { text += "    depends_on: [\(deps.joined(separator: ", "))]\n" }
        if let paths = artifacts[id] { text += "    artifacts: [\(paths.joined(separator: ", "))]\n" }
    }
    return text
}
