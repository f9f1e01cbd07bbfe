import Foundation
import XCTest
@testable import Planner

/// Plans that look valid but would break the scheduler, a worker or the terminal.
final class PoisonPlanTests: XCTestCase {
    func testEveryNumberAndNameIsBoundedWithLineAndField() {
        let problems = planProblems("""
            feature: f
            budget: 100000000000000000
            tasks:
              - id: a
                type: noop
                executor: noop
                budget: 100000000000000000
                timeout: 1e300
                retries: 1000000
                priority: 1000000000
                deadline: 1900-01-01
              - id: \(String(repeating: "b", count: 129))
                type: noop
                executor: sleep
                seconds: 1e300
              - id: "c*"
                type: noop
                executor: noop
                requires: ["gpu,x", "a b"]
                machine: "h/x"
            """)
        assertProblem(problems, path: "budget", line: 2, contains: ["out of range"])
        assertProblem(problems, path: "tasks[0].budget", line: 7, contains: ["out of range"])
        assertProblem(problems, path: "tasks[0].timeout", line: 8, contains: ["out of range"])
        assertProblem(problems, path: "tasks[0].retries", line: 9, contains: ["out of range"])
        assertProblem(problems, path: "tasks[0].priority", line: 10, contains: ["out of range"])
        assertProblem(problems, path: "tasks[0].deadline", line: 11, contains: ["out of range"])
        assertProblem(problems, path: "tasks[1].id", line: 12, contains: ["at most 128"])
        assertProblem(problems, path: "tasks[1].seconds", line: 15, contains: ["out of range"])
        assertProblem(problems, path: "tasks[2].id", line: 16, contains: ["not a valid id"])
        assertProblem(problems, path: "tasks[2].requires[0]", line: 19, contains: ["not a valid capability"])
        assertProblem(problems, path: "tasks[2].requires[1]", line: 19, contains: ["not a valid capability"])
        assertProblem(problems, path: "tasks[2].machine", line: 20, contains: ["not a valid machine name"])
    }

    func testBudgetSumNeverWrapsAround() {
        let tasks = ["a", "b"].map { TaskSpec(id: $0, feature: "f", type: "noop", executor: .noop, budget: Int.max) }
        XCTAssertEqual(PlanAnalyzer.totalTokens(tasks), Int.max, "checked, saturating: two Int.max tasks never make -2")
        XCTAssertThrowsError(try PlanLoader().validate(Feature(id: "f", budget: 10, tasks: tasks))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("tasks[0].budget") && text.contains("out of range"), text)
            XCTAssertTrue(text.contains("more than \(Int.max) tokens"), text)
            XCTAssertFalse(text.contains("-2"), text)
        }
    }

    func testSpecWithAnImpossibleTimeoutIsUnreadableNotACrash() {
        let json = #"{"id":"a","feature":"f","type":"noop","executor":{"kind":"noop"},"timeout":1e300}"#
        XCTAssertThrowsError(try TaskSpec.decode(json: Data(json.utf8))) { error in
            XCTAssertTrue("\(error)".contains("timeout"), "\(error)")
        }
        let sleep = #"{"id":"a","feature":"f","type":"noop","executor":{"kind":"sleep","seconds":1e300}}"#
        XCTAssertThrowsError(try TaskSpec.decode(json: Data(sleep.utf8)))
    }

    func testEquivalentSpellingsOfAPathOverlapAndAreStoredNormalised() throws {
        XCTAssertEqual(normalizedArtifactPath("./src/api/"), "src/api/")
        XCTAssertEqual(normalizedArtifactPath("src//api/x"), "src/api/x")
        XCTAssertEqual(normalizedArtifactPath("src/./api//"), "src/api/")
        XCTAssertEqual(normalizedArtifactPath("src/api/."), "src/api/")
        XCTAssertEqual(normalizedArtifactPath("src/api"), "src/api")
        XCTAssertTrue(artifactsOverlap("./src/api/", "src//api/x"))
        XCTAssertTrue(artifactsOverlap("src/./api", "src/api/x.swift"))
        XCTAssertFalse(artifactsOverlap("./src/a", "src//ab"))
        let plan = try PlanLoader().load(text: noopPlan([("a", []), ("b", [])], artifacts: ["a": ["./src/api/"], "b": ["src//api/x"]]))
        XCTAssertEqual(plan.warnings.count, 1, "the two spellings are one directory: \(plan.warnings)")
        XCTAssertEqual(plan.feature.tasks.map(\.artifacts), [["src/api/"], ["src/api/x"]])
    }

    func testPathsThatLeaveTheRepositoryAreRefused() throws {
        let repo = NSTemporaryDirectory() + "poison-repo-\(UUID().uuidString)"
        let outside = NSTemporaryDirectory() + "poison-outside-\(UUID().uuidString)"
        defer { for d in [repo, outside] { try? FileManager.default.removeItem(atPath: d) } }
        try FileManager.default.createDirectory(atPath: repo + "/src", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: repo + "/out", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: repo + "/inner", withDestinationPath: "src")
        let text = """
            feature: f
            tasks:
              - id: a
                type: noop
                executor: noop
                artifacts: [out/x.txt, inner/ok.txt, src/new/dir/]
                cwd: out
              - id: b
                type: noop
                executor: noop
                cwd: ../elsewhere
            """
        let path = repo + "/plan.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var problems: [PlanProblem] = []
        XCTAssertThrowsError(try PlanLoader().load(path: path)) { problems = ($0 as? PlanError)?.problems ?? [] }
        assertProblem(problems, path: "tasks[0].artifacts[0]", line: 6, contains: ["symbolic link"])
        assertProblem(problems, path: "tasks[0].cwd", line: 7, contains: ["symbolic link"])
        assertProblem(problems, path: "tasks[1].cwd", line: 11, contains: ["escapes the repository"])
        XCTAssertEqual(problems.count, 3, "a link inside the repository and a path not created yet are fine: \(problems)")

        let repoProblems = planProblems("feature: f\nrepo: ../../etc\ntasks:\n  - id: a\n    type: noop\n    executor: noop\n")
        assertProblem(repoProblems, path: "repo", line: 2, contains: ["'..'"])
    }

    func testPlanPathThatIsNotAFileSaysWhatItIs() throws {
        let dir = NSTemporaryDirectory() + "poison-paths-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/plan.fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let big = dir + "/big.yaml"
        XCTAssertTrue(FileManager.default.createFile(atPath: big, contents: Data()))
        XCTAssertEqual(truncate(big, off_t(PlanLimits.planBytes + 1)), 0)
        for (path, expected) in [(dir, "is a directory"), (fifo, "named pipe"), ("/dev/zero", "character device"),
                                 (big, "at most"), (dir + "/missing.yaml", "does not exist")] {
            XCTAssertThrowsError(try PlanLoader().load(path: path), path) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(expected), text)
                XCTAssertFalse(text.contains("NSCocoaErrorDomain"), text)
            }
        }
    }

    func testNamespaceRules() {
        for good in ["default", "a.b-c_1", String(repeating: "n", count: 64)] { XCTAssertNil(Namespace.problem(good), good) }
        for bad in ["", "*", "a}b", "a{b", "a b", "a/b", "é", "..", String(repeating: "n", count: 65)] {
            XCTAssertNotNil(Namespace.problem(bad), bad)
        }
        let problems = configProblems("redis:\n  namespace: \"*\"\n")
        assertProblem(problems, path: "redis.namespace", line: 2, contains: ["not a valid namespace"])
    }

    func testControlCharactersAreEscapedForTheTerminal() throws {
        XCTAssertEqual(terminalSafe("a\u{1B}[2Jb"), "a\\e[2Jb")
        XCTAssertEqual(terminalSafe("x\ny\tz"), "x\\ny\\tz")
        XCTAssertEqual(terminalSafe("x\ny\tz", multiline: true), "x\ny\tz")
        XCTAssertEqual(terminalSafe("\u{7}\u{7F}\u{9B}\u{202E}"), "\\u{7}\\u{7F}\\u{9B}\\u{202E}")
        XCTAssertEqual(terminalSafe("plain ünïcode ✓"), "plain ünïcode ✓")
        let plan = try PlanLoader().load(text: """
            feature: f
            description: "evil \\e]0;pwned\\a\\e[2J"
            tasks:
              - id: a
                type: noop
                executor: noop
                artifacts: [src/]
            """)
        for format in PlanFormat.allCases {
            let text = plan.rendered(as: format)
            XCTAssertFalse(text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(format): \(text)")
        }
    }
}
