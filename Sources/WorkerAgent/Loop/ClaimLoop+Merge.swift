import Logging
import Scheduler

extension TaskOutcome {
    /// The pushed branch of a repository task that succeeded (nil otherwise).
    var branch: TaskBranch? {
        if case let .succeeded(_, _, branch) = self { return branch }
        return nil
    }
}

extension ClaimLoop {
    /// Runs `feature`'s merge queue after this worker reported one of its tasks: until the
    /// queue is empty, another worker holds it, or a failed integration test stops it. A merged
    /// task's worktree is removed at once when it lives on this host.
    func mergeQueue(of feature: String, client: SchedulerClient) {
        var runner = MergeQueueRunner(settings: settings, workspaceRoot: workspaces.root)
        runner.logger = logger
        let workspaces = self.workspaces
        runner.onMerged = { gid, attempt in workspaces.merged(gid: gid, attempt: attempt) }
        let summary = runner.run(feature: feature, client: client, renewal: { [connection] in try connection.open() })
        if let error = summary.error {
            logger.warning("worker \(settings.id): the merge queue of \(feature) waits: \(error); the next worker or `up` tries again")
        }
    }
}
