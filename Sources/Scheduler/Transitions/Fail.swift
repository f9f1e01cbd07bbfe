import RedisKit

/// `fail`: the worker holding the current fencing token reports a failure.
///
/// Kind `error`: retried with capped exponential backoff and jitter through the `delayed` zset
/// while the task's own failures stay within its `retries`, then dead-lettered (`failed`), its
/// downstream tasks becoming `upstream_failed`. Kind `human` (acceptance tests failed, merge
/// conflict, budget exhausted): parked in `needs_human` with the reason, for `resolve`.
///
/// KEYS[1] events · ARGV gid, token, worker, kind (`error`|`human`), reason, tokens used,
///   jitter unit in [0,1), output tail (already redacted)
/// Returns `{1, state, retry_in_ms}` or `{0, refusal}`.
enum FailTransition {
    static let source = #"""
register('fail', function(keys, args)
  local gid, token, worker, kind, reason = args[1], args[2], args[3], args[4], args[5]
  local usage, unit = usage_of(args[6]), tonumber(args[7]) or 0.5
  if not (unit >= 0 and unit < 1) then unit = 0.5 end
  local ok, t, why = guarded(gid, fenced, gid, token, worker, 'fail')
  if not ok then why = 'quarantined: the task record is corrupt' end
  if not t then return {0, why} end
  release(gid, t, usage, true)
  redis.call('HSET', K('task:' .. gid), 'usage', usage, 'error', reason, 'output', args[8] or '', 'finished', NOW)
  local state, delay = '', 0
  if kind == 'human' then
    state = S.NEEDS_HUMAN
    transition(gid, t.feature, S.RUNNING, S.NEEDS_HUMAN, {'reason', reason}, {'reason', reason, 'worker', worker})
    redis.call('ZADD', K('human'), NOW, gid)
  else
    local failures = hincr(K('task:' .. gid), 'failures', 1)
    if failures <= (int(t.retries) or 0) then
      state = S.RETRYING
      delay = math.min(cnum('retry_base', 1000) * 2 ^ (failures - 1), cnum('retry_max', 60000))
      delay = math.floor(delay * (1 + cnum('retry_jitter', 0.2) * (2 * unit - 1)))
      redis.call('ZADD', K('delayed'), NOW + delay, gid)
      transition(gid, t.feature, S.RUNNING, S.RETRYING, {'reason', reason},
                 {'reason', reason, 'retry_in_ms', delay, 'failures', failures, 'worker', worker})
    else
      state = S.FAILED
      dead_letter(gid, t, reason)
    end
  end
  dispatch_pass(cnum('inline_dispatch', 8), cnum('inline_scan', 64))
  return {1, state, delay}
end)
"""#
}

/// How a failed task should be treated.
public enum FailureKind: String, Sendable {
    /// Retry with backoff up to the task's retries, then dead-letter.
    case error
    /// Park in `needs_human` (acceptance tests failed, merge conflict, budget exhausted).
    case human
}

extension SchedulerClient {
    /// Reports a failure of a started task; returns the resulting state (`retrying`, `failed`,
    /// `needs_human`). Throws `stale` when the token is no longer current.
    @discardableResult
    public func fail(_ task: StartedTask, worker: String, kind: FailureKind, reason: String, tokensUsed: Int = 0,
                     output: String = "", jitterUnit: Double = Double.random(in: 0..<1)) throws(SchedulerError) -> String {
        let a = try call("fail", [task.gid, task.token, worker, kind.rawValue, reason, tokensUsed, jitterUnit, output]).array ?? []
        guard a.first?.int == 1 else { throw .stale(task: task.gid, detail: a.count > 1 ? a[1].string ?? "" : "") }
        return a.count > 1 ? a[1].string ?? "" : ""
    }
}
