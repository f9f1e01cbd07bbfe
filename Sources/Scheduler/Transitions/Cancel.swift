import RedisKit

/// `cancel`: stops a task, or every unfinished task of a feature. A running task's worker learns
/// at its next heartbeat (its lease is gone) and stops; its late `complete` is refused.
/// Downstream tasks become `upstream_failed`.
/// Contract: above `register('cancel'` below.
enum CancelTransition {
    static let source = #"""
local function cancel_task(gid, reason)
  local ok, t = guarded(gid, load_task, gid)
  if not ok then
    -- Quarantined just now (or again): cancel what is left of it.
    t = {gid = gid, feature = task_field(gid, 'feature'), state = S.NEEDS_HUMAN, route = 'any', attempt = ''}
  end
  if not t or FINAL[t.state] then return 0 end
  if t.state == S.DISPATCHED or t.state == S.RUNNING then
    release(gid, t, 0)
    redis.call('LREM', K('q:' .. t.route), 0, t.attempt .. ':' .. gid)
  end
  if t.state == S.MERGING then merge_cancelled(gid, t) end
  dequeue_ready(gid, t.route)
  redis.call('ZREM', K('delayed'), gid)
  redis.call('ZREM', K('human'), gid)
  -- moves from: S.BLOCKED, S.READY, S.DISPATCHED, S.RUNNING, S.MERGING, S.RETRYING, S.NEEDS_HUMAN, S.UPSTREAM_FAILED
  transition(gid, t.feature, t.state, S.CANCELLED, {'reason', reason}, {'reason', reason})
  cascade(gid, gid)
  return 1
end

--[[ cancel: stops a task, or every unfinished task of a feature.
  KEYS[1]  events stream
  ARGV[1]  kind: 'feature' cancels the feature ARGV[2]; anything else the task ARGV[2]
  ARGV[2]  feature id or gid
  ARGV[3]  reason (default 'cancelled')
  Reply    n: tasks cancelled (0 when the task was final already)
  Errors   NOFEATURE, NOTASK
  Writes   task:<gid> (state cancelled, reason), ready:<route>, q:<route>, leases, delayed, human,
           locks, lock_owners, running:<type>, budget:<f>.reserved, worker:<id>, downstream
           tasks (upstream_failed), feature:<f>.state (feature kind), stats; events cancelled,
           upstream_failed; then what dispatch writes
]]
register('cancel', function(keys, args)
  local kind, id, reason = args[1], args[2], args[3] or 'cancelled'
  local n = 0
  if kind == 'feature' then
    if redis.call('EXISTS', K('feature:' .. id)) == 0 then
      return refuse(E.NOFEATURE, 'no feature ' .. id .. '; list features with `orchestrator status`')
    end
    for _, gid in ipairs(redis.call('SMEMBERS', K('feature_tasks:' .. id))) do n = n + cancel_task(gid, reason) end
    redis.call('HSET', K('feature:' .. id), 'state', 'cancelled')
  else
    if redis.call('EXISTS', K('task:' .. id)) == 0 then
      return refuse(E.NOTASK, 'no task ' .. id .. '; list tasks with `orchestrator queue`')
    end
    n = cancel_task(id, reason)
  end
  dispatch_all()
  return n
end)
"""#
}

extension SchedulerClient {
    /// Cancels one task (`feature/task`) or, with `feature: true`, every unfinished task of a feature.
    @discardableResult
    public func cancel(_ id: String, feature: Bool = false, reason: String = "cancelled") throws(SchedulerError) -> Int {
        try call("cancel", [feature ? "feature" : "task", id, reason]).int ?? 0
    }
}
