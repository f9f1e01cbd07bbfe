import RedisKit

/// `resolve`: a person settles a task waiting in `needs_human` or dead-lettered as `failed`.
///
/// `done` marks it succeeded (its dependents proceed); `pending` sends it back to ready with a
/// fresh retry count; `failed` dead-letters a `needs_human` task. `done` and `pending` revive the
/// tasks that were `upstream_failed` because of it.
/// Contract: above `register('resolve'` below.
enum ResolveTransition {
    static let source = #"""
--[[ resolve: a person settles a needs_human or failed task.
  KEYS[1]  events stream
  ARGV[1]  gid
  ARGV[2]  action: 'done' (succeeded), 'pending' (ready, retries reset) or 'failed' (dead letter)
  ARGV[3]  notes
  Reply    the new state: 'succeeded', 'ready' or 'failed'
  Errors   CORRUPT (the record is corrupt: quarantined now; cancel it), NOTASK, BADSTATE (not
           needs_human or failed), BADACTION
  Writes   task:<gid> (state, notes; failures and lost reset by pending), human, dead,
           ready:<route>, revived dependents, feature:<f>, stats; events succeeded|ready|failed
           and those of revived tasks; then what dispatch writes; wake
]]
register('resolve', function(keys, args)
  local gid, action, notes = args[1], args[2], args[3] or ''
  local ok, t = guarded(gid, load_task, gid)
  if not ok then
    return refuse(E.CORRUPT, 'task ' .. gid .. ' has a corrupt record (see its reason in `orchestrator review`); cancel it with `orchestrator cancel ' .. gid .. '` and submit it again')
  end
  if not t then
    return refuse(E.NOTASK, 'no task ' .. gid .. ' in this namespace; list tasks with `orchestrator queue`')
  end
  if t.state ~= S.NEEDS_HUMAN and t.state ~= S.FAILED then
    return refuse(E.BADSTATE, 'task ' .. gid .. ' is ' .. t.state .. '; resolve acts on needs_human or failed tasks')
  end
  if action ~= 'done' and action ~= 'pending' and action ~= 'failed' then
    return refuse(E.BADACTION, 'resolve takes done, pending or failed, not ' .. action)
  end
  if action == 'failed' and t.state == S.FAILED then return S.FAILED end
  redis.call('ZREM', K('human'), gid)
  redis.call('LREM', K('dead'), 0, gid)
  merge_resolved(gid, t.feature)
  local reason = 'resolved ' .. action .. (notes ~= '' and (': ' .. notes) or '')
  local new
  if action == 'done' then
    new = S.SUCCEEDED
    -- moves from: S.NEEDS_HUMAN, S.FAILED
    transition(gid, t.feature, t.state, S.SUCCEEDED, {'notes', notes}, {'reason', reason})
    on_success(gid, t)
    revive(gid)
  elseif action == 'pending' then
    new = S.READY
    -- moves from: S.NEEDS_HUMAN, S.FAILED
    transition(gid, t.feature, t.state, S.READY, {'notes', notes, 'failures', 0, 'lost', 0}, {'reason', reason})
    enqueue_ready(gid, t.route, t.priority, t.deadline)
    revive(gid)
  else
    new = S.FAILED
    dead_letter(gid, t, reason)
  end
  dispatch_all()
  wake()
  return new
end)
"""#
}

/// How a person settles a task.
public enum Resolution: String, Sendable, CaseIterable {
    /// The work is done (by hand, or acceptable as is): mark it succeeded.
    case done
    /// Try again: back to ready with a fresh retry count.
    case pending
    /// Give up: dead-letter it.
    case failed
}

extension SchedulerClient {
    /// Resolves a `needs_human` or `failed` task; returns its new state.
    @discardableResult
    public func resolve(_ gid: String, _ resolution: Resolution, notes: String = "") throws(SchedulerError) -> TaskState {
        let v = try call("resolve", [gid, resolution.rawValue, notes])
        guard let state = v.string.flatMap(TaskState.init(rawValue:)) else { throw .unexpected("resolve returned \(v)") }
        return state
    }
}
