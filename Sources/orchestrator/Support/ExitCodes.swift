import ArgumentParser

/// The exit statuses of `orchestrator`, by what went wrong, so scripts can tell a bad config
/// from an unreachable Redis. Several names share a status: the name says why at the call site,
/// the status is what scripts see (README, "Exit codes"). Usage errors the argument parser
/// catches itself exit 64 (`ExitCode.validationFailure`).
extension ExitCode {
    /// 1: what the command was asked to do did not happen: a scheduler call was refused (no such
    /// task, wrong state), a wait ran out (`scale`, `drain`, `kill-all`), the ledger could not be
    /// opened, the demo (or its git setup) did not succeed, a worker ended on an error.
    static let operationFailed = ExitCode(1)
    /// 1: the plan has problems (invalid YAML, a cycle, a field holding a literal secret, a
    /// `repo` that cannot be used); nothing was submitted.
    static let planInvalid = ExitCode(1)
    /// 2: the configuration cannot be used: config.yaml, the namespace, the Redis URL, worker
    /// settings, the state directory or the signing keys. Nothing touched Redis.
    static let configInvalid = ExitCode(2)
    /// 2: an argument the parser accepts but the command cannot use (`scale -1`, an unknown
    /// resolution).
    static let argumentInvalid = ExitCode(2)
    /// 3: Redis did not answer within `--wait`, or the embedded redis-server did not start.
    static let redisUnreachable = ExitCode(3)
    /// 3: another `up` holds this state directory's lock (the message names its pid).
    static let anotherUpRunning = ExitCode(3)
    /// 130 (128 + SIGINT): `up` was stopped at once by a second SIGINT; running tasks were
    /// requeued.
    static let interrupted = ExitCode(130)
}
