/// What a worker does when a repository task changed files outside its declared artifacts
/// (`security.artifact_policy`).
public enum ArtifactPolicy: String, Sendable, Equatable, CaseIterable {
    /// The task goes to `needs_human` with the paths listed; its commit stays on its branch.
    case enforce
    /// The paths are logged and written into the task's result; the task goes on.
    case warn
    /// Changed paths are not checked.
    case off
}
