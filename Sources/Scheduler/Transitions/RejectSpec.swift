import RedisKit

/// `reject_spec`: the worker holding the current fencing token refuses to run the task because
/// its spec's signature does not verify (altered in Redis, unsigned, or signed by a key the
/// worker does not trust). The task goes to `needs_human`, never to a retry: another worker
/// would refuse it the same way, and a person must decide whether the spec is genuine. Besides
/// the state change's own event it emits `spec_rejected`, so an audit can find every refusal.
/// Contract: above `register('reject_spec'` below.
enum RejectSpecTransition {
    static let source = #"""
--[[ reject_spec: the worker holding the current fencing token refuses an untrusted spec.
  KEYS[1]  events stream
  ARGV[1]  gid
  ARGV[2]  token
  ARGV[3]  worker id
  ARGV[4]  reason (why the signature does not verify)
  Reply    {'ok', 1, 'state', 'needs_human'}
           {'ok', 0, 'refusal', text}: stale token (also a stale_refused event) or no such task
  Errors   none
  Writes   task:<gid> (state needs_human, reason, usage 0, error, output, finished), leases,
           locks, lock_owners, running:<type>, budget:<f>.reserved, worker:<id>, human, stats;
           events spec_rejected, needs_human; then what an inline dispatch writes
]]
register('reject_spec', function(keys, args)
  local gid, token, worker, reason = args[1], args[2], args[3], args[4]
  local t, why = fenced(gid, token, worker, 'reject_spec')
  if not t then return {'ok', 0, 'refusal', why} end
  release(gid, t, 0, true)
  redis.call('HSET', K('task:' .. gid), 'usage', 0, 'error', reason, 'output', '', 'finished', NOW)
  emit('spec_rejected', gid, t.feature, {'reason', reason, 'worker', worker})
  transition(gid, t.feature, S.RUNNING, S.NEEDS_HUMAN, {'reason', reason}, {'reason', reason, 'worker', worker})
  redis.call('ZADD', K('human'), NOW, gid)
  dispatch_inline()
  return {'ok', 1, 'state', S.NEEDS_HUMAN}
end)
"""#
}

extension SchedulerClient {
    /// Reports that `worker` refuses to run `task` because its spec is not trusted; the task goes
    /// to `needs_human` with `reason` and a `spec_rejected` event. Throws `stale` when the token
    /// is no longer current.
    public func rejectSpec(_ task: StartedTask, worker: String, reason: String) throws(SchedulerError) {
        let r = try FunctionReply(call("reject_spec", [task.gid, task.token, worker, reason]), from: "reject_spec")
        guard try r.int("ok") == 1 else { throw .stale(task: task.gid, detail: try r.string("refusal")) }
    }
}
