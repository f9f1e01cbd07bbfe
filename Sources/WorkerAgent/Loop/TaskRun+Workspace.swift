import Foundation
import Planner
import Scheduler

extension TaskRun {
    /// The workspace a started task runs in: its repository and integration branch (from its
    /// signed spec), or nil for a task without a repository.
    func workspaceRequest(for spec: TaskSpec, attempt: Int) -> WorkspaceRequest? {
        guard spec.isRepositoryTask, let repository = spec.repository,
              let branch = spec.integrationBranch, !branch.isEmpty else { return nil }
        return WorkspaceRequest(repository: repository, integrationBranch: branch, feature: spec.feature, task: spec.id,
                                attempt: attempt, artifacts: spec.artifacts, title: spec.title)
    }

    /// Runs a repository task: a fresh worktree from the integration head; the executor in it;
    /// a commit of everything it wrote; the artifact check (`security.artifact_policy`); the
    /// acceptance tests on that tree; a push of the task branch. Every outcome but success and
    /// a lost attempt keeps the worktree for a person.
    func runInWorkspace(_ spec: TaskSpec, kind: ResolvedExecutor, request: WorkspaceRequest, attempt: Int,
                        cancellation: CancellationToken?, onOutput: (([UInt8]) -> Void)?) -> TaskOutcome {
        let ws: Workspace
        do {
            ws = try workspaces.prepare(request, cancellation: cancellation)
        } catch {
            if case .git(.cancelled) = error { return .abandoned("cancelled") }
            return .failed(kind: .error, reason: "could not prepare the worktree: \(error)", tokens: 0, output: "")
        }
        let place = "\(settings.host):\(ws.path)"
        let cwd = spec.cwd.map { $0.hasPrefix("/") ? $0 : ws.path + "/" + $0 } ?? ws.path
        guard FileManager.default.fileExists(atPath: cwd) else {
            let reason = "working directory \(spec.cwd ?? "") does not exist in the repository at \(request.integrationBranch)"
            workspaces.keep(ws, why: reason)
            return .failed(kind: .human, reason: reason, tokens: 0, output: "")
        }
        let context = context(for: spec, attempt: attempt, workingDirectory: cwd)
        let runner = processRunner()
        let tokens: Int, tail: String
        switch execute(kind, spec: spec, context: context, runner: runner, cancellation: cancellation, onOutput: onOutput) {
        case let .finished(t, out): (tokens, tail) = (t, out)
        case .stopped(.abandoned(let why)):
            workspaces.abandon(ws)
            return .abandoned(why)
        case let .stopped(outcome):
            workspaces.keep(ws, why: Self.reason(of: outcome))
            return outcome
        }
        let committed: WorkspaceCommit
        do {
            committed = try workspaces.commit(ws, cancellation: cancellation)
        } catch {
            workspaces.keep(ws, why: "could not commit: \(error)")
            return .failed(kind: .error, reason: "could not commit the task's work in \(place): \(error)", tokens: tokens, output: tail)
        }
        var result = tail
        let outside = settings.artifactPolicy == .off ? [] : ArtifactCheck.outside(changed: committed.changedPaths, artifacts: spec.artifacts)
        if !outside.isEmpty {
            let message = ArtifactCheck.describe(outside: outside, artifacts: spec.artifacts)
            if settings.artifactPolicy == .enforce {
                // Pushed too, so a person can look at it from anywhere; the worktree stays as well.
                let pushed = (try? workspaces.push(ws, committed.commit, cancellation: cancellation)) != nil
                let where_ = "the commit \(committed.commit.prefix(12)) stays on branch \(request.branch) "
                    + (pushed ? "(pushed) " : "") + "and in \(place)"
                workspaces.keep(ws, why: message, commit: committed.commit)
                return .failed(kind: .human, reason: "\(message); \(where_)", tokens: tokens, output: tail)
            }
            result = "warning (security.artifact_policy: warn): \(message)\n" + result
        }
        if let outcome = acceptance(spec, context: context, runner: runner, tokens: tokens, tail: tail,
                                    cancellation: cancellation, onOutput: onOutput) {
            if case .abandoned = outcome { workspaces.abandon(ws) } else {
                workspaces.keep(ws, why: Self.reason(of: outcome), commit: committed.commit)
            }
            return outcome
        }
        do {
            try workspaces.push(ws, committed.commit, cancellation: cancellation)
        } catch {
            workspaces.keep(ws, why: "could not push: \(error)", commit: committed.commit)
            return .failed(kind: .error, reason: "could not push branch \(request.branch) to \(request.repository): \(error)",
                           tokens: tokens, output: tail)
        }
        workspaces.awaitMerge(ws, committed.commit)
        return .succeeded(tokens: tokens, result: String(result.suffix(outputTail)),
                          branch: TaskBranch(name: request.branch, commit: committed.commit))
    }

    /// The reason a failed outcome gives, for the kept workspace's record.
    static func reason(of outcome: TaskOutcome) -> String {
        switch outcome {
        case let .failed(_, reason, _, _): return reason
        case let .rejected(reason): return reason
        case let .abandoned(why): return why
        case .succeeded: return "succeeded"
        }
    }
}
