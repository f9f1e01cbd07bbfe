/// Lua shared by `complete`, `fail`, `resolve`, `cancel` and the reaper: what follows when a
/// task succeeds for good or fails for good.
enum SettleHelpers {
    static let source = #"""
-- A task succeeded: count it against its feature and ready the dependents it was the last
-- unmet dependency of.
local function on_success(gid, t)
  local remaining = redis.call('HINCRBY', K('feature:' .. t.feature), 'remaining', -1)
  if remaining == 0 then
    redis.call('HSET', K('feature:' .. t.feature), 'state', 'succeeded', 'finished', NOW)
    emit('feature_succeeded', '', t.feature, nil)
  end
  for _, d in ipairs(redis.call('SMEMBERS', K('dependents:' .. gid))) do
    local left = redis.call('DECR', K('deps:' .. d))
    if left <= 0 then
      local v = redis.call('HMGET', K('task:' .. d), 'state', 'feature', 'priority', 'route')
      if v[1] == 'blocked' then
        transition(d, v[2], 'blocked', 'ready', nil, nil)
        enqueue_ready(d, v[4], v[3])
      end
    end
  end
end

-- A task failed for good: every task downstream of it that has not run becomes
-- upstream_failed (revived if the failure is resolved).
local function cascade(gid, cause)
  local stack = {gid}
  while #stack > 0 do
    local cur = table.remove(stack)
    for _, d in ipairs(redis.call('SMEMBERS', K('dependents:' .. cur))) do
      local v = redis.call('HMGET', K('task:' .. d), 'state', 'feature', 'route')
      if v[1] == 'blocked' or v[1] == 'ready' then
        dequeue_ready(d, v[3])
        transition(d, v[2], v[1], 'upstream_failed', {'reason', 'dependency ' .. cause .. ' failed'},
                   {'reason', 'dependency ' .. cause .. ' failed'})
        stack[#stack + 1] = d
      end
    end
  end
end

local function dead_letter(gid, t, reason)
  transition(gid, t.feature, t.state, 'failed', {'reason', reason}, {'reason', reason, 'attempt', t.attempt})
  redis.call('LPUSH', K('dead'), gid)
  redis.call('HSET', K('feature:' .. t.feature), 'state', 'failing')
  cascade(gid, gid)
end

-- A failure was resolved: tasks made upstream_failed by it come back (blocked or ready) unless
-- another of their dependencies is still failed.
local function revive(gid)
  local stack = {gid}
  while #stack > 0 do
    local cur = table.remove(stack)
    for _, d in ipairs(redis.call('SMEMBERS', K('dependents:' .. cur))) do
      local v = redis.call('HMGET', K('task:' .. d), 'state', 'feature', 'deps', 'priority', 'route')
      if v[1] == 'upstream_failed' then
        local unmet, broken, seen = 0, false, {}
        for _, p in ipairs(split(v[3], ',')) do
          local st = redis.call('HGET', K('task:' .. p), 'state')
          if st ~= 'succeeded' and not seen[p] then unmet = unmet + 1 end
          seen[p] = true
          if st == 'failed' or st == 'upstream_failed' or st == 'cancelled' then broken = true end
        end
        if not broken then
          redis.call('SET', K('deps:' .. d), unmet)
          if unmet == 0 then
            transition(d, v[2], 'upstream_failed', 'ready', {'reason', ''}, {'reason', 'revived'})
            enqueue_ready(d, v[5], v[4])
          else
            transition(d, v[2], 'upstream_failed', 'blocked', {'reason', ''}, {'reason', 'revived', 'waiting_for', unmet})
          end
          stack[#stack + 1] = d
        end
      end
    end
  end
end

-- Checks the fencing token of a settling call. Returns the task, or nil after reporting the
-- refusal as an event (a stale worker must never settle a task).
local function fenced(gid, token, worker, action)
  local t = load_task(gid)
  if not t then return nil, 'no such task' end
  if t.state ~= 'running' or t.token ~= token then
    emit('stale_refused', gid, t.feature, {'worker', worker, 'action', action, 'token', token,
         'current_token', t.token, 'current_state', t.state})
    return nil, 'stale: task is ' .. t.state .. ' with another token'
  end
  return t
end
"""#
}
