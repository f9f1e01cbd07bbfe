import Foundation
import XCTest
@testable import Planner

final class PlanLoaderTests: XCTestCase {
    let loader = PlanLoader()

    func testExamplesLoad() throws {
        for name in ["login-feature.yaml", "demo.yaml", "api.json"] {
            let path = repoRoot.appendingPathComponent("examples/\(name)").path
            let plan = try loader.load(path: path)
            if name == "demo.yaml" {
                // The demo lets `style` (all of src/) overlap `api` and `ui` on purpose, to show the
                // scheduler serialising them through locks.
                XCTAssertEqual(plan.warnings.map(\.message).map { $0.contains("'style'") }, [true, true], name)
            } else {
                XCTAssertEqual(plan.warnings, [], name)
            }
            XCTAssertFalse(plan.feature.tasks.isEmpty, name)
        }
    }

    func testLoginExampleAnalysis() throws {
        let plan = try loader.load(path: repoRoot.appendingPathComponent("examples/login-feature.yaml").path)
        XCTAssertEqual(plan.feature.tasks.count, 7)
        XCTAssertEqual(plan.analysis.layers.first, ["schema", "login-form"])
        XCTAssertEqual(plan.analysis.criticalPath, ["schema", "auth-service", "api", "e2e-tests", "docs"])
        XCTAssertEqual(plan.analysis.criticalPathSeconds, 600 * 3 + 300 + 180)
        XCTAssertEqual(plan.analysis.maxWidth, 2)
        let api = try XCTUnwrap(plan.feature.tasks.first { $0.id == "api" })
        XCTAssertEqual(api.budget, 200_000, "type default budget")
        XCTAssertEqual(api.globalID, "login/api")
        XCTAssertEqual(api.executor, .agent(name: "claude", prompt: "Add the login, logout and me endpoints using AuthService; set an HttpOnly session cookie."))
    }

    func testBadCycleExampleReportsCycle() {
        XCTAssertThrowsError(try loader.load(path: repoRoot.appendingPathComponent("examples/bad-cycle.yaml").path)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("api -> db -> migrations -> api"), text)
        }
    }

    func testExecutorsFromFields() throws {
        let plan = try loader.load(text: """
        feature: f
        tasks:
          - {id: a, type: backend, prompt: do it}
          - {id: b, type: backend, agent: codex, prompt: do it}
          - {id: c, type: script, command: make}
          - {id: d, type: noop, executor: noop}
          - {id: e, type: sleep, executor: sleep, seconds: 1.5}
        """)
        XCTAssertEqual(plan.feature.tasks.map(\.executor), [
            .agent(name: "claude", prompt: "do it"), .agent(name: "codex", prompt: "do it"),
            .script(command: "make"), .noop, .sleep(seconds: 1.5),
        ])
    }

    func testMalformedYAMLReportsLineAndColumn() {
        let problems = planProblems("feature: f\ntasks:\n  - id: a\n    type: [noop\n")
        XCTAssertEqual(problems.count, 1)
        XCTAssertNotNil(problems[0].line)
        XCTAssertNotNil(problems[0].column)
        XCTAssertTrue(problems[0].message.contains("syntax error"))
    }

    func testMalformedJSONReportsLineAndColumn() {
        let problems = planProblems("{\n  \"feature\": \"f\",\n  \"tasks\": [\n    {\"id\": \"a\" \"type\": \"noop\"}\n  ]\n}\n", format: .json)
        XCTAssertEqual(problems.count, 1)
        XCTAssertEqual(problems[0].line, 4, problems.description)
        XCTAssertNotNil(problems[0].column)
    }

    func testUnknownFieldSuggestsKnownOne() {
        let problems = planProblems("""
        feature: f
        tasks:
          - id: a
            type: noop
            executor: noop
            depends: []
        """)
        assertProblem(problems, path: "tasks[0].depends", line: 6, contains: ["unknown key", "did you mean 'depends_on'"])
    }

    func testWrongTypeNamesFieldPathAndLine() {
        let problems = planProblems("""
        feature: f
        tasks:
          - {id: a, type: noop, executor: noop}
          - {id: b, type: noop, executor: noop}
          - {id: c, type: noop, executor: noop}
          - id: d
            type: backend
            prompt: x
            budget: lots
        """)
        assertProblem(problems, path: "tasks[3].budget", line: 9, contains: ["expected an integer", "lots"])
    }

    func testQuotedNumberInJSONIsAWrongType() {
        let problems = planProblems(#"{"feature": "f", "tasks": [{"id": "a", "type": "backend", "prompt": "x", "budget": "100"}]}"#,
                                    format: .json)
        assertProblem(problems, path: "tasks[0].budget", line: 1, contains: ["expected an integer", "\"100\""])
    }

    func testDuplicateIDsNameBothLines() {
        let problems = planProblems(noopPlan([("a", []), ("b", []), ("a", [])]))
        assertProblem(problems, path: "tasks[2].id", line: 9, contains: ["duplicate task id 'a'", "line 3"])
    }

    func testUnknownDependencySuggestsId() {
        let problems = planProblems(noopPlan([("database", []), ("api", ["databse"])]))
        assertProblem(problems, path: "tasks[1].depends_on[0]", line: 9, contains: ["unknown task 'databse'", "did you mean 'database'"])
    }

    func testCycleIsPrintedAsPath() {
        let problems = planProblems(noopPlan([("api", ["db"]), ("db", ["api"]), ("ui", ["api"])]))
        XCTAssertEqual(problems.count, 1, problems.description)
        assertProblem(problems, path: "tasks[0].depends_on", line: 6, contains: ["api -> db -> api"])
    }

    func testSelfDependencyIsACycle() {
        let problems = planProblems(noopPlan([("a", ["a"])]))
        assertProblem(problems, path: "tasks[0].depends_on", line: 6, contains: ["a -> a"])
    }

    func testBadArtifactPaths() {
        let problems = planProblems(noopPlan([("a", [])], artifacts: ["a": ["/etc/passwd", "../outside", "src/../../x", "src/../y", "ok/"]]))
        assertProblem(problems, path: "tasks[0].artifacts[0]", line: 6, contains: ["absolute"])
        assertProblem(problems, path: "tasks[0].artifacts[1]", line: 6, contains: ["escapes the repository"])
        assertProblem(problems, path: "tasks[0].artifacts[2]", line: 6, contains: ["escapes the repository"])
        assertProblem(problems, path: "tasks[0].artifacts[3]", line: 6, contains: ["contains '..'"])
        XCTAssertEqual(problems.count, 4)
    }

    func testUnknownTaskTypeAndAgent() {
        let problems = planProblems("""
        feature: f
        tasks:
          - id: a
            type: backnd
            agent: claud
            prompt: hi
        """)
        assertProblem(problems, path: "tasks[0].type", line: 4, contains: ["unknown task type 'backnd'", "did you mean 'backend'"])
        assertProblem(problems, path: "tasks[0].agent", line: 5, contains: ["unknown agent 'claud'", "did you mean 'claude'"])
    }

    func testMissingExecutorAndConflictingOnes() {
        let problems = planProblems("""
        feature: f
        tasks:
          - id: a
            type: script
          - id: b
            type: script
            prompt: x
            command: y
          - id: c
            type: sleep
            executor: sleep
        """)
        assertProblem(problems, path: "tasks[0]", line: 3, contains: ["nothing to run"])
        assertProblem(problems, path: "tasks[1]", line: 5, contains: ["both prompt and command"])
        assertProblem(problems, path: "tasks[2]", line: 11, contains: ["needs `seconds`"])
    }

    func testAllProblemsReportedAtOnce() {
        let problems = planProblems("""
        feature: f
        tasks:
          - {id: a, type: noop, executor: noop, priorty: 1}
          - {id: b, type: nope, executor: noop, depends_on: [zz]}
          - {id: b, type: noop, executor: noop, artifacts: [/abs]}
        """)
        XCTAssertEqual(problems.count, 5, problems.map(\.description).joined(separator: "\n"))
        do {
            _ = try loader.load(text: noopPlan([("a", ["x"]), ("b", ["y"])]), source: "p.yaml")
        } catch {
            XCTAssertTrue(error.description.contains("2 problems"), error.description)
            XCTAssertTrue(error.description.contains("p.yaml: line 6"), error.description)
            XCTAssertTrue(error.description.contains("p.yaml: line 10"), error.description)
        }
    }

    func testOverBudgetIsAnError() {
        let problems = planProblems("""
        feature: f
        budget: 250000
        tasks:
          - {id: a, type: backend, prompt: x}
          - {id: b, type: frontend, prompt: y}
        """)
        assertProblem(problems, path: "budget", line: 2, contains: ["350000", "250000"])
    }

    func testOverlappingArtifactsOfConcurrentTasksWarn() throws {
        let text = noopPlan([("a", []), ("b", []), ("c", ["a"]), ("d", []), ("e", [])],
                            artifacts: ["a": ["src/api/"], "b": ["src/api/x.swift"], "c": ["src/"], "d": ["lib/ab"], "e": ["lib/a"]])
        let plan = try loader.load(text: text)
        guard plan.warnings.count == 2 else { return XCTFail(plan.warnings.description) }
        XCTAssertTrue(plan.warnings[0].message.contains("'a' and 'b'"), plan.warnings[0].message)
        XCTAssertTrue(plan.warnings[0].message.contains("src/api/ and src/api/x.swift"), plan.warnings[0].message)
        XCTAssertTrue(plan.warnings[1].message.contains("'b' and 'c'"), plan.warnings[1].message)
        XCTAssertFalse(plan.warnings.contains { $0.message.contains("'a' and 'c'") }, "c depends on a")

        let problems = planProblems(text, strict: true)
        XCTAssertEqual(problems.count, 2)
    }

    func testArtifactsOverlapRule() {
        XCTAssertTrue(artifactsOverlap("src/api/", "src/api/x.swift"))
        XCTAssertTrue(artifactsOverlap("src/api/x.swift", "src/api/"))
        XCTAssertTrue(artifactsOverlap("src/api", "src/api/x.swift"))
        XCTAssertTrue(artifactsOverlap("a/b", "a/b"))
        XCTAssertTrue(artifactsOverlap("a/b/", "a/b"))
        XCTAssertFalse(artifactsOverlap("src/a", "src/ab"))
        XCTAssertFalse(artifactsOverlap("src/a/", "src/ab/"))
        XCTAssertFalse(artifactsOverlap("x/y", "x/z"))
    }

    func testTaskSpecJSONIsStableAndRoundTrips() throws {
        let plan = try loader.load(path: repoRoot.appendingPathComponent("examples/login-feature.yaml").path)
        var task = plan.feature.tasks[1]
        task.deadline = parseDeadline("2025-06-01T12:00:00Z")
        task.machine = "build-01"
        let data = task.encodedJSON()
        XCTAssertEqual(try TaskSpec.decode(json: data), task)
        XCTAssertEqual(task.encodedJSON(), data)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains(#""depends_on":["schema"]"#), text)
        XCTAssertTrue(text.contains(#""deadline":"2025-06-01T12:00:00Z""#), text)
        XCTAssertTrue(text.contains(#""executor":{"agent":"claude","kind":"agent","prompt":"#), text)
        XCTAssertTrue(text.hasPrefix(#"{"acceptance_tests":"#), text)
    }

    func testFeatureBuiltInCodeIsValidatedToo() {
        let feature = Feature(id: "f", budget: 10, tasks: [
            TaskSpec(id: "a", feature: "f", type: "noop", executor: .noop, dependsOn: ["b"]),
            TaskSpec(id: "b", feature: "f", type: "noop", executor: .noop, dependsOn: ["a"]),
        ])
        XCTAssertThrowsError(try loader.validate(feature)) { error in
            XCTAssertTrue(String(describing: error).contains("a -> b -> a"), String(describing: error))
        }
    }

    func testDuplicateKeysAliasesAndSecondDocumentsAreRejected() {
        let duplicate = planProblems("feature: f\ntasks:\n  - id: a\n    type: noop\n    executor: noop\n    type: script\n")
        assertProblem(duplicate, path: "tasks[0].type", line: 6, contains: ["duplicate key 'type'", "line 4"])
        let alias = planProblems("feature: &x f\ntasks:\n  - {id: *x, type: noop, executor: noop}\n")
        XCTAssertEqual(alias.first?.line, 3)
        XCTAssertTrue(alias.first?.message.contains("aliases") ?? false, alias.description)
        let twoDocuments = planProblems(noopPlan([("a", [])]) + "---\nfeature: g\n")
        XCTAssertEqual(twoDocuments.first?.line, 6, twoDocuments.description)
    }

    func testJSONWithTabIndentationKeepsLines() throws {
        let text = "{\n\t\"feature\": \"f\",\n\t\"tasks\": [\n\t\t{\"id\": \"a\", \"type\": \"noop\", \"executor\": \"noop\", \"budget\": -1}\n\t]\n}\n"
        let problems = planProblems(text, format: .json)
        assertProblem(problems, path: "tasks[0].budget", line: 4, contains: ["out of range"])
    }

    func testEmptyPlanAndMissingFields() {
        assertProblem(planProblems(""), path: "", line: 1, contains: ["empty"])
        let problems = planProblems("description: x\n")
        assertProblem(problems, path: "feature", line: 1, contains: ["missing"])
        assertProblem(problems, path: "tasks", line: 1, contains: ["missing"])
    }
}
