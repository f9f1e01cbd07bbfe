import RedisKit

/// `complete`: the worker holding the current fencing token reports success.
///
/// Settles the budget with the actual usage, releases locks and the type slot, readies the
/// dependents and admits ready tasks in the same call, so a chain of tasks moves without a
/// scheduler round trip. If the actual usage pushed the feature past its budget, the task goes
/// to `needs_human` (reason `budget exhausted`) instead of succeeding.
///
/// With ARGV[6] (the worker's routes, newline separated) it also pops and starts the worker's
/// next task in the same call — one round trip per task instead of three (pop, start, complete).
///
/// A repository task reports its pushed branch and commit (ARGV 7, 8): it goes to `merging`
/// and onto its feature's merge queue instead of succeeding (``MergeTransition``).
///
/// KEYS[1] events · ARGV gid, token, worker, tokens used, result text (already redacted), routes,
/// branch, commit. Returns `{1, state}` (`succeeded`, `merging` or `needs_human`), plus the next task's
/// `gid, token, attempt, spec, sig, feature` when one was started, or `{0, refusal}` for a stale token.
enum CompleteTransition {
    static let source = #"""
register('complete', function(keys, args)
  local gid, token, worker, usage = args[1], args[2], args[3], usage_of(args[4])
  local ok, t, why = guarded(gid, fenced, gid, token, worker, 'complete')
  if not ok then why = 'quarantined: the task record is corrupt' end
  if not t then return {0, why} end
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
  dispatch_pass(cnum('inline_dispatch', 8), cnum('inline_scan', 64))
  if args[6] and args[6] ~= '' then
    for _, route in ipairs(split(args[6], '\n')) do
      while true do
        local item = redis.call('LPOP', K('q:' .. route))
        if not item then break end
        local started = start_item(item, worker)
        if started[1] == 1 then return {1, state, started[2], started[3], started[4], started[5], started[6], started[7]} end
      end
    end
  end
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
        try completeAndClaim(task, worker: worker, tokensUsed: tokensUsed, result: result, routes: []).state
    }

    /// Reports success and, when `routes` is not empty, pops and starts this worker's next task
    /// from them in the same call (nil when they are empty).
    /// With `branch` (a repository task's pushed work) the task goes to `merging` instead.
    public func completeAndClaim(_ task: StartedTask, worker: String, tokensUsed: Int, result: String = "",
                                 routes: [String], branch: TaskBranch? = nil) throws(SchedulerError) -> (state: String, next: StartedTask?) {
        let a = try call("complete", [task.gid, task.token, worker, tokensUsed, result, routes.joined(separator: "\n"),
                                      branch?.name ?? "", branch?.commit ?? ""]).array ?? []
        guard a.first?.int == 1 else { throw .stale(task: task.gid, detail: a.count > 1 ? a[1].string ?? "" : "") }
        let state = a.count > 1 ? a[1].string ?? "" : ""
        guard a.count >= 6 else { return (state, nil) }
        return (state, StartedTask.fromReply(a, from: 2))
    }
}
