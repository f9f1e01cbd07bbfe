import RedisKit

/// `start`: a worker that popped `attempt:gid` from a route queue turns the dispatch lease into
/// a run lease it owns, with a new fencing token. Refused (`{0, reason}`) when the task is no
/// longer dispatched at that attempt (reaped and re-dispatched, cancelled): the worker drops it.
///
/// KEYS[1] events · ARGV[1] queue item `attempt:gid` · ARGV[2] worker id
/// Returns `{1, gid, token, attempt, spec, sig, feature}` or `{0, reason}`.
enum StartTransition {
    static let source = #"""
-- Starts the task behind queue item `attempt:gid` for `worker`.
local function start_item(item, worker)
  local sep = string.find(item, ':', 1, true)
  if not sep then return {0, 'malformed queue item'} end
  local attempt, gid = string.sub(item, 1, sep - 1), string.sub(item, sep + 1)
  local ok, t = guarded(gid, load_task, gid, {'spec', 'sig'})
  if not ok then return {0, 'quarantined: the task record is corrupt'} end
  if not t then return {0, 'no such task'} end
  if t.state ~= S.DISPATCHED or t.attempt ~= attempt then
    return {0, 'task is ' .. t.state .. ' at attempt ' .. t.attempt}
  end
  -- The fencing token is the attempt number: it grows with every dispatch of the task, and an
  -- attempt starts at most once (only a `dispatched` task at that attempt starts).
  local token = tonumber(attempt)
  redis.call('ZADD', K('leases'), NOW + cnum('run_lease', 15000), gid)
  redis.call('HSET', K('worker:' .. worker), 'task', gid, 'state', 'working', 'task_started', NOW)
  transition(gid, t.feature, S.DISPATCHED, S.RUNNING,
             {'token', token, 'worker', worker, 'started_at', NOW},
             {'worker', worker, 'attempt', attempt})
  if t.spec == '' then t.spec = '{}' end
  return {1, gid, token, tonumber(attempt), t.spec, t.sig, t.feature}
end

register('start', function(keys, args)
  return start_item(args[1], args[2])
end)
"""#
}

/// A task a worker may now run.
public struct StartedTask: Sendable, Equatable {
    /// Global id.
    public var gid: String
    /// Fencing token: heartbeat, complete and fail must carry it.
    public var token: Int
    /// Attempt number (1 for the first dispatch).
    public var attempt: Int
    /// The task spec JSON.
    public var specJSON: String
    /// The submitter's signature (``SpecSignature``); empty when the task was submitted unsigned.
    public var signature: String = ""
    /// The feature the task hash names (what the signature covers, with `gid`).
    public var feature: String = ""

    /// Reads the fields `start_item` returns from position `first` of reply `a`.
    static func fromReply(_ a: [RedisValue], from first: Int) -> StartedTask {
        func at(_ i: Int) -> RedisValue? { a.count > first + i ? a[first + i] : nil }
        return StartedTask(gid: at(0)?.string ?? "", token: at(1)?.int ?? 0, attempt: at(2)?.int ?? 0,
                           specJSON: at(3)?.string ?? "{}", signature: at(4)?.string ?? "", feature: at(5)?.string ?? "")
    }
}

extension SchedulerClient {
    /// Starts the task behind queue item `item` for `worker`; nil when it is no longer this
    /// worker's to run (the reason is in `refusal`).
    public func start(item: String, worker: String) throws(SchedulerError) -> (StartedTask?, refusal: String?) {
        let a = try call("start", [item, worker]).array ?? []
        guard a.first?.int == 1, a.count >= 5 else {
            return (nil, a.count > 1 ? a[1].string : "refused")
        }
        return (StartedTask.fromReply(a, from: 1), nil)
    }
}
