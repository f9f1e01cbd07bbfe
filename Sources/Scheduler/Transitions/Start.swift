import RedisKit

/// `start`: a worker that popped `attempt:gid` from a route queue turns the dispatch lease into
/// a run lease it owns, with a new fencing token. Refused when the task is no longer dispatched
/// at that attempt (reaped and re-dispatched, cancelled): the worker drops it. Contract: above
/// `register('start'` below.
enum StartTransition {
    static let source = #"""
-- Starts the task behind queue item `attempt:gid` for `worker`. Returns the reply of `start`
-- (`complete` nests it as its 'next').
local function start_item(item, worker)
  local sep = string.find(item, ':', 1, true)
  if not sep then return {'started', 0, 'refusal', 'malformed queue item'} end
  local attempt, gid = string.sub(item, 1, sep - 1), string.sub(item, sep + 1)
  local ok, t = guarded(gid, load_task, gid, {'spec', 'sig'})
  if not ok then return {'started', 0, 'refusal', 'quarantined: the task record is corrupt'} end
  if not t then return {'started', 0, 'refusal', 'no such task'} end
  if t.state ~= S.DISPATCHED or t.attempt ~= attempt then
    return {'started', 0, 'refusal', 'task is ' .. t.state .. ' at attempt ' .. t.attempt}
  end
  -- The fencing token is the attempt number: it grows with every dispatch of the task, and an
  -- attempt starts at most once (only a `dispatched` task at that attempt starts).
  local token = tonumber(attempt)
  redis.call('ZADD', K('leases'), NOW + cnum('run_lease'), gid)
  redis.call('HSET', K('worker:' .. worker), 'task', gid, 'state', 'working', 'task_started', NOW)
  transition(gid, t.feature, S.DISPATCHED, S.RUNNING,
             {'token', token, 'worker', worker, 'started_at', NOW},
             {'worker', worker, 'attempt', attempt})
  if t.spec == '' then t.spec = '{}' end
  return {'started', 1, 'gid', gid, 'token', token, 'attempt', tonumber(attempt), 'spec', t.spec, 'sig', t.sig,
          'feature', t.feature}
end

--[[ start: turns a popped queue item into a running task owned by the worker.
  KEYS[1]  events stream
  ARGV[1]  queue item 'attempt:gid', as popped from q:<route>
  ARGV[2]  worker id
  Reply    {'started', 1, 'gid', gid, 'token', n, 'attempt', n, 'spec', json ('{}' if empty),
           'sig', signature ('' = unsigned), 'feature', f}: token = attempt, the fencing token
           heartbeat, complete, fail and reject_spec must carry
           {'started', 0, 'refusal', text}: malformed item, no such task, corrupt record
           (quarantined), or the task is no longer dispatched at that attempt
  Errors   none
  Writes   task:<gid> (state running, token, worker, started_at), leases (run lease),
           worker:<id> (task, state working), stats; event running
]]
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

    /// The task of a `start` reply (also `complete`'s 'next'); nil with the refusal when it was refused.
    static func decode(_ r: FunctionReply) throws(SchedulerError) -> (StartedTask?, refusal: String?) {
        guard try r.int("started") == 1 else { return (nil, try r.string("refusal")) }
        return (StartedTask(gid: try r.string("gid"), token: try r.int("token"), attempt: try r.int("attempt"),
                            specJSON: try r.string("spec"), signature: try r.string("sig"), feature: try r.string("feature")), nil)
    }
}

extension SchedulerClient {
    /// Starts the task behind queue item `item` for `worker`; nil when it is no longer this
    /// worker's to run (the reason is in `refusal`).
    public func start(item: String, worker: String) throws(SchedulerError) -> (StartedTask?, refusal: String?) {
        try StartedTask.decode(FunctionReply(call("start", [item, worker]), from: "start"))
    }
}
