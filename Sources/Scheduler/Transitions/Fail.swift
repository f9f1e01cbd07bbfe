import RedisKit

/// `fail`: the worker holding the current fencing token reports a failure.
///
/// Kind `error`: retried with capped exponential backoff and jitter through the `delayed` zset
/// while the task's own failures stay within its `retries`, then dead-lettered (`failed`), its
/// downstream tasks becoming `upstream_failed`. Kind `human` (acceptance tests failed, merge
/// conflict, budget exhausted): parked in `needs_human` with the reason, for `resolve`.
/// Contract: above `register('fail'` below.
enum FailTransition {
    static let source = #"""
--[[ fail: the worker holding the current fencing token reports a failure.
  KEYS[1]  events stream
  ARGV[1]  gid
  ARGV[2]  token
  ARGV[3]  worker id
  ARGV[4]  kind: 'human' parks the task for a person; anything else ('error') retries
  ARGV[5]  reason (already redacted)
  ARGV[6]  tokens used (clamped to 0..10^12)
  ARGV[7]  jitter unit in [0,1) (anything else counts as 0.5)
  ARGV[8]  output tail (already redacted)
  Reply    {'ok', 1, 'state', 'retrying'|'failed'|'needs_human', 'retry_in_ms', ms (0 unless
           retrying)}
           {'ok', 0, 'refusal', text}: stale token (also a stale_refused event), no such task,
           or a corrupt record (quarantined)
  Errors   none
  Writes   task:<gid> (state, usage, error, output, finished, failures, reason), leases, locks,
           lock_owners, running:<type>, budget:<f>, worker:<id>, delayed, human, dead,
           feature:<f>.state, downstream tasks (upstream_failed), stats; events
           retrying|failed|needs_human, upstream_failed; then what an inline dispatch writes
]]
register('fail', function(keys, args)
  local gid, token, worker, kind, reason = args[1], args[2], args[3], args[4], args[5]
  local usage, unit = usage_of(args[6]), tonumber(args[7]) or 0.5
  if not (unit >= 0 and unit < 1) then unit = 0.5 end
  local ok, t, why = guarded(gid, fenced, gid, token, worker, 'fail')
  if not ok then why = 'quarantined: the task record is corrupt' end
  if not t then return {'ok', 0, 'refusal', why} end
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
      delay = math.min(cnum('retry_base') * 2 ^ (failures - 1), cnum('retry_max'))
      delay = math.floor(delay * (1 + cnum('retry_jitter') * (2 * unit - 1)))
      redis.call('ZADD', K('delayed'), NOW + delay, gid)
      transition(gid, t.feature, S.RUNNING, S.RETRYING, {'reason', reason},
                 {'reason', reason, 'retry_in_ms', delay, 'failures', failures, 'worker', worker})
    else
      state = S.FAILED
      dead_letter(gid, t, reason)
    end
  end
  dispatch_inline()
  return {'ok', 1, 'state', state, 'retry_in_ms', delay}
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
                     output: String = "", jitterUnit: Double = Double.random(in: 0..<1)) throws(SchedulerError) -> TaskState {
        let r = try FunctionReply(call("fail", [task.gid, task.token, worker, kind.rawValue, reason, tokensUsed, jitterUnit, output]),
                                  from: "fail")
        guard try r.int("ok") == 1 else { throw .stale(task: task.gid, detail: try r.string("refusal")) }
        return try r.state("state")
    }
}
