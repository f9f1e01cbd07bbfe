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
