import WorkerAgent

// Tasks run as this user: keep them out of this process's /proc environ and memory, where the
// Redis URL and password live.
ProcessPrivacy.hideFromSameUser()
Orchestrator.main(Orchestrator.rewritingControlFlags(Array(CommandLine.arguments.dropFirst())))
