extension PlanValidator {
    /// The feature keys of the merge queue: `integration_branch` and `integration_tests` need a
    /// `repo`, the branch must be a valid git branch name, and every test a non-empty command.
    func checkMergeQueueKeys(_ feature: Feature, marks: PlanSourceMap, into errors: inout [PlanProblem]) {
        if let branch = feature.integrationBranch {
            if let problem = integrationBranchProblem(branch) {
                errors.append(PlanProblem(at: marks.mark(marks.integrationBranch ?? marks.root), path: "integration_branch", message: problem))
            } else if feature.repo == nil {
                errors.append(PlanProblem(at: marks.mark(marks.integrationBranch ?? marks.root), path: "integration_branch",
                                          message: "needs a `repo`: merged work lands on a branch of the feature's repository"))
            }
        }
        if !feature.integrationTests.isEmpty && feature.repo == nil {
            errors.append(PlanProblem(at: marks.mark(marks.integrationTests ?? marks.root), path: "integration_tests",
                                      message: "needs a `repo`: integration tests run on the feature's integration branch"))
        }
        for (index, argv) in feature.integrationTests.enumerated() where argv.isEmpty || argv[0].isEmpty {
            errors.append(PlanProblem(at: marks.mark(marks.integrationTests ?? marks.root), path: "integration_tests[\(index)]",
                                      message: "is an empty command; give the program and its arguments, such as [make, test]"))
        }
    }
}
