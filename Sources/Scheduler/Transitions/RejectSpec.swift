import RedisKit

/// `reject_spec`: the worker holding the current fencing token refuses to run the task because
/// its spec's signature does not verify (altered in Redis, unsigned, or signed by a key the
/// worker does not trust). The task goes to `needs_human`, never to a retry: another worker
/// would refuse it the same way, and a person must decide whether the spec is genuine. Besides
/// the state change's own event it emits `spec_rejected`, so an audit can find every refusal.
///
/// KEYS[1] events · ARGV gid, token, worker, reason → `{1, 'needs_human'}` or `{0, refusal}`.
enum RejectSpecTransition {
    static let source = #"""
register('reject_spec', function(keys, args)
  local gid, token, worker, reason = args[1], args[2], args[3], args[4]
  local t, why = fenced(gid, token, worker, 'reject_spec')
  if not t then return {0, why} end
  release(gid, t, 0, true)
  redis.call('HSET', K('task:' .. gid), 'usage', 0, 'error', reason, 'output', '', 'finished', NOW)
  emit('spec_rejected', gid, t.feature, {'reason', reason, 'worker', worker})
  transition(gid, t.feature, S.RUNNING, S.NEEDS_HUMAN, {'reason', reason}, {'reason', reason, 'worker', worker})
  redis.call('ZADD', K('human'), NOW, gid)
  dispatch_pass(cnum('inline_dispatch', 8), cnum('inline_scan', 64))
  return {1, S.NEEDS_HUMAN}
end)
"""#
}

extension SchedulerClient {
    /// Reports that `worker` refuses to run `task` because its spec is not trusted; the task goes
    /// to `needs_human` with `reason` and a `spec_rejected` event. Throws `stale` when the token
    /// is no longer current.
    public func rejectSpec(_ task: StartedTask, worker: String, reason: String) throws(SchedulerError) {
        let a = try call("reject_spec", [task.gid, task.token, worker, reason]).array ?? []
        guard a.first?.int == 1 else { throw .stale(task: task.gid, detail: a.count > 1 ? a[1].string ?? "" : "") }
    }
}
