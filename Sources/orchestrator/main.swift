import RedisKit

// A Redis server that dies must come back to us as EPIPE (a connection error to retry), not as
// SIGPIPE silently killing `up` and every worker. Workers are this same executable.
ignoreBrokenPipeSignal()
Orchestrator.main(Orchestrator.rewritingControlFlags(Array(CommandLine.arguments.dropFirst())))
