import RedisKit

// Entry point: the command lives in SwarmBench.swift. A Redis that dies must surface as EPIPE
// (a connection error), never as SIGPIPE killing the benchmark or its workers.
ignoreBrokenPipeSignal()
SwarmBench.main()
