/// Lua shared by `complete`, `fail`, `resolve`, `cancel` and the reaper: what follows when a
/// task succeeds for good or fails for good.
enum SettleHelpers {
    static let source = #"""
-- A task succeeded: count it against its feature and ready the dependents it was the last
-- unmet dependency of.
local function unblock(d)
  local left = incr(K('deps:' .. d), -1)
  if left <= 0 then
    local t = load_task(d)
    if t and t.state == S.BLOCKED then
      transition(d, t.feature, S.BLOCKED, S.READY, nil, nil)
      enqueue_ready(d, t.route, t.priority, t.deadline)
    end
  end
end

local function on_success(gid, t)
  local remaining = hincr(K('feature:' .. t.feature), 'remaining', -1)
  if remaining == 0 then
    redis.pcall('HSET', K('feature:' .. t.feature), 'state', 'succeeded', 'finished', I(NOW))
    emit('feature_succeeded', '', t.feature, nil)
  end
  -- Each dependent on its own: a corrupt one is quarantined, the others still move.
  for _, d in ipairs(members(K('dependents:' .. gid))) do guarded(d, unblock, d) end
end

-- Walks the tasks downstream of `gid`, depth first: `visit(d, t)` gets each dependent with its
-- loaded record (nil if gone) and returns true to go on below it. Each dependent is handled on
-- its own: a corrupt one is quarantined and the walk goes on.
local function walk_down(gid, visit)
  local stack = {gid}
  while #stack > 0 do
    local cur = table.remove(stack)
    for _, d in ipairs(members(K('dependents:' .. cur))) do
      guarded(d, function()
        if visit(d, load_task(d)) then stack[#stack + 1] = d end
      end)
    end
  end
end

-- A task failed for good: every task downstream of it that has not run becomes
-- upstream_failed (revived if the failure is resolved).
local function cascade(gid, cause)
  local reason = 'dependency ' .. cause .. ' failed'
  walk_down(gid, function(d, t)
    if not t or (t.state ~= S.BLOCKED and t.state ~= S.READY) then return false end
    dequeue_ready(d, t.route)
    -- moves from: S.BLOCKED, S.READY
    transition(d, t.feature, t.state, S.UPSTREAM_FAILED, {'reason', reason}, {'reason', reason})
    return true
  end)
end

local function dead_letter(gid, t, reason)
  -- moves from: S.DISPATCHED, S.RUNNING (a lost worker, a failed run), S.NEEDS_HUMAN (resolve failed)
  transition(gid, t.feature, t.state, S.FAILED, {'reason', reason}, {'reason', reason, 'attempt', t.attempt})
  redis.call('LPUSH', K('dead'), gid)
  redis.pcall('HSET', K('feature:' .. t.feature), 'state', 'failing')
  cascade(gid, gid)
end

-- A failure was resolved: tasks made upstream_failed by it come back (blocked or ready) unless
-- another of their dependencies is still failed.
local function revive(gid)
  walk_down(gid, function(d, t)
    if not t or t.state ~= S.UPSTREAM_FAILED then return false end
    local unmet, broken, seen = 0, false, {}
    for _, p in ipairs(split(t.deps, ',')) do
      local st = task_state(p)
      if st ~= S.SUCCEEDED and not seen[p] then unmet = unmet + 1 end
      seen[p] = true
      if st == S.FAILED or st == S.UPSTREAM_FAILED or st == S.CANCELLED then broken = true end
    end
    if broken then return false end
    redis.call('SET', K('deps:' .. d), I(unmet))
    if unmet == 0 then
      transition(d, t.feature, S.UPSTREAM_FAILED, S.READY, {'reason', ''}, {'reason', 'revived'})
      enqueue_ready(d, t.route, t.priority, t.deadline)
    else
      transition(d, t.feature, S.UPSTREAM_FAILED, S.BLOCKED, {'reason', ''}, {'reason', 'revived', 'waiting_for', unmet})
    end
    return true
  end)
end

-- Checks the fencing token of a settling call. Returns the task, or nil after reporting the
-- refusal as an event (a stale worker must never settle a task).
local function fenced(gid, token, worker, action)
  local t = load_task(gid)
  if not t then return nil, 'no such task' end
  if t.state ~= S.RUNNING or t.token ~= token then
    emit('stale_refused', gid, t.feature, {'worker', worker, 'action', action, 'token', token,
         'current_token', t.token, 'current_state', t.state})
    return nil, 'stale: task is ' .. t.state .. ' with another token'
  end
  return t
end
"""#
}
