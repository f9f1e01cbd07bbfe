import Foundation

/// Makes a write to a closed socket or pipe fail with `EPIPE` instead of killing the process.
///
/// hiredis writes with plain `write(2)`: when a Redis server dies, the next command on a unix
/// socket (on TCP, the one after) raises `SIGPIPE`, whose default action ends the process without
/// a word — every worker and `up` died that way when redis-server was killed. With the signal
/// ignored the write fails with `EPIPE`, which comes back as `RedisError.connectionLost`, and the
/// connection reconnects on its next call.
///
/// Call it first thing in every executable. An ignored signal survives `exec`, so whatever such
/// a process spawns for others (task commands) must reset `SIGPIPE` to its default, as the
/// worker's spawner does.
public func ignoreBrokenPipeSignal() {
    signal(SIGPIPE, SIG_IGN)
}
