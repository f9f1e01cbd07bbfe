import RedisKit

extension SchedulerClient {
    /// Blocks up to `blockSeconds` on the route queues (one `BLMPOP`, no polling), then starts
    /// the popped task for `worker`. Returns nil on timeout or when the popped item was stale
    /// (already re-dispatched or cancelled); the caller simply claims again.
    ///
    /// Blocking: call it from a thread of your own, never from Swift's cooperative pool.
    public func claim(worker: String, routes: [String], blockSeconds: Double) throws(SchedulerError) -> StartedTask? {
        var cmd = RedisCommand("BLMPOP", blockSeconds, routes.count)
        for r in routes { cmd.append(keys.queue(r)) }
        cmd.append("LEFT")
        let popped: RedisValue
        do { popped = try redis.blocking(cmd, blockSeconds: blockSeconds) } catch { throw SchedulerError(error) }
        guard let pair = popped.array, pair.count == 2, let item = pair[1].array?.first?.string else { return nil }
        return try start(item: item, worker: worker).0
    }

    /// Non-blocking variant for tests and benchmarks: pops at most one item from the first
    /// non-empty route queue and starts it.
    public func tryClaim(worker: String, routes: [String]) throws(SchedulerError) -> StartedTask? {
        var cmd = RedisCommand("LMPOP", routes.count)
        for r in routes { cmd.append(keys.queue(r)) }
        cmd.append("LEFT")
        let popped = try run(cmd)
        guard let pair = popped.array, pair.count == 2, let item = pair[1].array?.first?.string else { return nil }
        return try start(item: item, worker: worker).0
    }

    /// Routes a worker with these capabilities on `host` serves: `any`, its machine route, and
    /// every capability route submitted so far whose needs it meets.
    public func routes(forHost host: String, capabilities: [String]) throws(SchedulerError) -> [String] {
        let have = Set(capabilities)
        let known = (try run("SMEMBERS", keys.routes).array ?? []).compactMap(\.string)
        var out = ["any", "m:" + host]
        for r in known.sorted() where r.hasPrefix("c:") {
            let needs = r.dropFirst(2).split(separator: ",").map(String.init)
            if needs.allSatisfy(have.contains) { out.append(r) }
        }
        return out
    }
}
