import RedisKit

/// `complete`: the worker holding the current fencing token reports success.
///
/// Settles the budget with the actual usage, releases locks and the type slot, readies the
/// dependents and admits ready tasks in the same call, so a chain of tasks moves without a
/// scheduler round trip. If the actual usage pushed the feature past its budget, the task goes
/// to `needs_human` (reason `budget exhausted`) instead of succeeding.
///
/// KEYS[1] events · ARGV gid, token, worker, tokens used, result text (already redacted)
/// Returns `{1, state}` (`succeeded` or `needs_human`) or `{0, refusal}` for a stale token.
enum CompleteTransition {
    static let source = #"""
redis.register_function('complete', function(keys, args)
  begin(keys)
  local gid, token, worker, usage = args[1], args[2], args[3], tonumber(args[4]) or 0
  local t, why = fenced(gid, token, worker, 'complete')
  if not t then return {0, why} end
  release(gid, t, usage)
  redis.call('HSET', K('task:' .. gid), 'usage', usage, 'result', args[5] or '', 'finished', NOW)
  local b = redis.call('HMGET', K('budget:' .. t.feature), 'limit', 'used')
  local limit, used = tonumber(b[1]) or 0, tonumber(b[2]) or 0
  local state = 'succeeded'
  if limit > 0 and used > limit then
    state = 'needs_human'
    local reason = 'budget exhausted: feature used ' .. used .. ' of ' .. limit .. ' tokens'
    transition(gid, t.feature, 'running', 'needs_human', {'reason', reason}, {'reason', reason, 'usage', usage, 'worker', worker})
    redis.call('ZADD', K('human'), NOW, gid)
  else
    transition(gid, t.feature, 'running', 'succeeded', nil, {'usage', usage, 'worker', worker, 'attempt', t.attempt})
    on_success(gid, t)
  end
  dispatch_pass(cnum('inline_dispatch', 8), cnum('inline_scan', 64))
  return {1, state}
end)
"""#
}

extension SchedulerClient {
    /// Reports success of a started task; returns the resulting state (`succeeded`, or
    /// `needs_human` when its usage exhausted the feature budget). Throws `stale` when `task`'s
    /// token is no longer current (the refusal is also an event).
    @discardableResult
    public func complete(_ task: StartedTask, worker: String, tokensUsed: Int, result: String = "") throws(SchedulerError) -> String {
        let a = try call("complete", [task.gid, task.token, worker, tokensUsed, result]).array ?? []
        guard a.first?.int == 1 else { throw .stale(task: task.gid, detail: a.count > 1 ? a[1].string ?? "" : "") }
        return a.count > 1 ? a[1].string ?? "" : ""
    }
}
