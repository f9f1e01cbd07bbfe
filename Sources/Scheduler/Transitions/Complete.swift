import RedisKit

/// `complete`: the worker holding the current fencing token reports success.
///
/// Settles the budget with the actual usage, releases locks and the type slot, readies the
/// dependents and admits ready tasks in the same call, so a chain of tasks moves without a
/// scheduler round trip. If the actual usage pushed the feature past its budget, the task goes
/// to `needs_human` (reason `budget exhausted`) instead of succeeding.
///
/// Given the worker's routes it also pops and starts the worker's next task in the same call —
/// one round trip per task instead of three (pop, start, complete). Contract: above
/// `register('complete'` below. A repository task reports its pushed branch and commit: it goes
/// to `merging` and onto its feature's merge queue instead of succeeding (``MergeTransition``).
enum CompleteTransition {
    static let source = #"""
--[[ complete: the worker holding the current fencing token reports success.
  KEYS[1]  events stream
  ARGV[1]  gid
  ARGV[2]  token (the fencing token start returned)
  ARGV[3]  worker id
  ARGV[4]  tokens used (clamped to 0..10^12)
  ARGV[5]  result text (already redacted)
  ARGV[6]  the worker's routes, newline separated ('' = do not start a next task)
  ARGV[7]  a repository task's pushed branch ('' = none: the task succeeds at once)
  ARGV[8]  that branch's commit
  Reply    {'ok', 1, 'state', 'succeeded'|'merging'|'needs_human'} (merging: a branch waits on
           the merge queue; needs_human: the usage took the feature past its budget), plus 'next', <start's reply with started = 1> when a next
           task was popped and started
           {'ok', 0, 'refusal', text}: stale token (also a stale_refused event), no such task,
           or a corrupt record (quarantined)
  Errors   none
  Writes   task:<gid> (state, usage, result, finished), leases, locks, lock_owners,
           running:<type>, budget:<f> (reserved, used), worker:<id>, human, feature:<f>
           (remaining, state), deps:<d> and the dependents it readies, stats; events
           succeeded|merging|needs_human, feature_succeeded, merge_queued (and merge_queue:<f>,
           merge_features, its locks taken back); then what an inline dispatch and start write
]]
register('complete', function(keys, args)
  local gid, token, worker, usage = args[1], args[2], args[3], usage_of(args[4])
  local ok, t, why = guarded(gid, fenced, gid, token, worker, 'complete')
  if not ok then why = 'quarantined: the task record is corrupt' end
  if not t then return {'ok', 0, 'refusal', why} end
  release(gid, t, usage, true)
  local settled = {'usage', usage, 'result', args[5] or '', 'finished', NOW}
  local limit, used = 0, 0
  if usage > 0 then -- only real usage can push the feature past its budget
    local b = redis.call('HMGET', K('budget:' .. t.feature), 'limit', 'used')
    limit, used = int(b[1]) or 0, int(b[2]) or 0
  end
  local state = S.SUCCEEDED
  if limit > 0 and used > limit then
    state = S.NEEDS_HUMAN
    local reason = 'budget exhausted: feature used ' .. I(used) .. ' of ' .. I(limit) .. ' tokens'
    table.insert(settled, 'reason')
    table.insert(settled, reason)
    transition(gid, t.feature, S.RUNNING, S.NEEDS_HUMAN, settled, {'reason', reason, 'usage', usage, 'worker', worker})
    redis.call('ZADD', K('human'), NOW, gid)
  elseif args[7] and args[7] ~= '' then
    state = S.MERGING -- a repository task: its branch waits on the merge queue (Merge.swift)
    queue_merge(gid, t, worker, settled, usage, args[7], args[8] or '')
  else
    transition(gid, t.feature, S.RUNNING, S.SUCCEEDED, settled, {'usage', usage, 'worker', worker, 'attempt', t.attempt})
    on_success(gid, t)
  end
  dispatch_inline()
  if args[6] and args[6] ~= '' then
    for _, route in ipairs(split(args[6], '\n')) do
      while true do
        local item = redis.call('LPOP', K('q:' .. route))
        if not item then break end
        local started = start_item(item, worker)
        if started[2] == 1 then return {'ok', 1, 'state', state, 'next', started} end
      end
    end
  end
  return {'ok', 1, 'state', state}
end)
"""#
}

extension SchedulerClient {
    /// Reports success of a started task; returns the resulting state (`succeeded`, or
    /// `needs_human` when its usage exhausted the feature budget). Throws `stale` when `task`'s
    /// token is no longer current (the refusal is also an event).
    @discardableResult
    public func complete(_ task: StartedTask, worker: String, tokensUsed: Int, result: String = "") throws(SchedulerError) -> TaskState {
        try completeAndClaim(task, worker: worker, tokensUsed: tokensUsed, result: result, routes: []).state
    }

    /// Reports success and, when `routes` is not empty, pops and starts this worker's next task
    /// from them in the same call (nil when they are empty).
    /// With `branch` (a repository task's pushed work) the task goes to `merging` instead.
    public func completeAndClaim(_ task: StartedTask, worker: String, tokensUsed: Int, result: String = "",
                                 routes: [String], branch: TaskBranch? = nil) throws(SchedulerError) -> (state: TaskState, next: StartedTask?) {
        let r = try FunctionReply(call("complete", [task.gid, task.token, worker, tokensUsed, result, routes.joined(separator: "\n"),
                                                    branch?.name ?? "", branch?.commit ?? ""]), from: "complete")
        guard try r.int("ok") == 1 else { throw .stale(task: task.gid, detail: try r.string("refusal")) }
        guard let next = try r.nested("next") else { return (try r.state("state"), nil) }
        return (try r.state("state"), try StartedTask.decode(next).0)
    }
}
