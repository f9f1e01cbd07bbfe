import Foundation
import Planner
import XCTest

/// The plan keys of the merge queue: `repo` as a path or a URL, `integration_branch`,
/// `integration_tests`.
final class MergeQueueKeysTests: XCTestCase {
    private let task = "tasks:\n  - id: a\n    type: noop\n    executor: noop\n"

    /// A URL repository, a named integration branch and integration tests (argv lists or shell
    /// strings) are read as written; the feature's JSON omits the keys when unused.
    func testMergeQueueKeysAreReadAndOmittedWhenUnused() throws {
        let text = "feature: f\nrepo: ssh://git@example.com/acme/web.git\nintegration_branch: integration/f\n"
            + "integration_tests:\n  - [make, test]\n  - \"npm run lint\"\n" + task
        let plan = try PlanLoader().load(text: text, format: .yaml, source: "plan.yaml")
        XCTAssertEqual(plan.feature.repo, "ssh://git@example.com/acme/web.git")
        XCTAssertEqual(plan.feature.effectiveIntegrationBranch, "integration/f")
        XCTAssertEqual(plan.feature.integrationTests, [["make", "test"], ["sh", "-c", "npm run lint"]])
        let plain = try PlanLoader().load(text: "feature: g\n" + task, format: .yaml, source: "plan.yaml")
        XCTAssertEqual(plain.feature.effectiveIntegrationBranch, "swarm/g")
        let json = String(decoding: try JSONEncoder().encode(plain.feature), as: UTF8.self)
        XCTAssertFalse(json.contains("integration"), json)
        XCTAssertFalse(String(decoding: plain.feature.tasks[0].encodedJSON(), as: UTF8.self).contains("repository"))
    }

    /// Bad values are refused with their line: a remote-helper URL, a scheme git would run
    /// commands through, an invalid branch, a branch among the task branches, merge keys
    /// without a repository, an empty command.
    func testBadMergeQueueKeysAreRefusedWithTheirLine() {
        assertProblem(planProblems("feature: f\nrepo: \"ext::sh%-c%touch\"\n" + task), path: "repo", line: 2, contains: ["remote helper"])
        assertProblem(planProblems("feature: f\nrepo: fd://3\n" + task), path: "repo", line: 2, contains: ["scheme 'fd'"])
        assertProblem(planProblems("feature: f\nrepo: /srv/x\nintegration_branch: a..b\n" + task), path: "integration_branch", line: 3,
                      contains: ["not a valid git branch name"])
        assertProblem(planProblems("feature: f\nrepo: /srv/x\nintegration_branch: swarm-task/f\n" + task), path: "integration_branch",
                      line: 3, contains: ["task branches"])
        assertProblem(planProblems("feature: f\nintegration_branch: swarm/x\n" + task), path: "integration_branch", line: 2,
                      contains: ["needs a `repo`"])
        assertProblem(planProblems("feature: f\nintegration_tests: [[make]]\n" + task), path: "integration_tests", line: 2,
                      contains: ["needs a `repo`"])
        assertProblem(planProblems("feature: f\nrepo: /srv/x\nintegration_tests: [[]]\n" + task), path: "integration_tests[0]",
                      line: 3, contains: ["empty command"])
    }

    /// Which `repo` values are URLs (scp-like included) and which are folders.
    func testRepositoryURLsAndPathsAreToldApart() {
        for url in ["file:///srv/x.git", "https://example.com/x.git", "git@example.com:acme/x.git", "host:x"] {
            XCTAssertTrue(repositoryIsURL(url), url)
        }
        for path in ["/srv/x", "x", "./a:b", "src/x:y"] { XCTAssertFalse(repositoryIsURL(path), path) }
    }
}
