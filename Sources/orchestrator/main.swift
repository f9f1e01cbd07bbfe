import RedisKit
import WorkerAgent

// A Redis server that dies must come back to us as EPIPE (a connection error to retry), not as
// SIGPIPE silently killing `up` and every worker. Workers are this same executable.
ignoreBrokenPipeSignal()
// Tasks run as this user: keep them out of this process's /proc environ and memory, where the
// Redis URL and password live.
ProcessPrivacy.hideFromSameUser()
Orchestrator.main(Orchestrator.rewritingControlFlags(Array(CommandLine.arguments.dropFirst())))
