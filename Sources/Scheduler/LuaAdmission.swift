/// Lua of the `swarm` library for admitting and releasing tasks: ready-zset scores, artifact
/// locks, GCRA rate limits, and giving back what a dispatched or running task held.
enum LuaAdmission {
    static let source = #"""
-- Score of a ready task: its enqueue time (s) less priority × aging. A task whose deadline is
-- less than `deadline_lead` away ranks as if it had waited since deadline − lead, so it moves
-- ahead of everything enqueued after that as its deadline nears.
local function ready_score(priority, deadline)
  local score = NOW / 1000 - (int(priority) or 0) * cnum('priority_aging')
  local d = int(deadline)
  if d and d > 0 then
    local due = d / 1000 - cnum('deadline_lead')
    if due < score then score = due end
  end
  return score
end

-- Ready tasks wait in one zset per route (`ready:<route>`), so a route whose queue is full, or
-- whose tasks are all held back, never hides the candidates of another route.
-- Puts a task on its route's ready zset (the caller's transition sets the state).
local function enqueue_ready(gid, route, priority, deadline)
  redis.call('ZADD', K('ready:' .. route), ready_score(priority, deadline), gid)
end

local function dequeue_ready(gid, route)
  redis.call('ZREM', K('ready:' .. route), gid)
end

-- ---------------------------------------------------------------- artifact locks
-- A path's lock key is the path with exactly one trailing '/'. Two artifacts overlap exactly
-- when one key is a prefix of the other (the Planner's `artifactsOverlap`): 'src/api/' and
-- 'src/api' both cover 'src/api/x.swift'; 'src/a' never overlaps 'src/ab'.
local function lock_key(path)
  return (string.gsub(path, '/*$', '')) .. '/'
end

-- Returns the held key that overlaps `path` and its owner, or nil.
local function lock_conflict(path)
  local key = lock_key(path)
  local owners = K('lock_owners')
  -- held keys that are prefixes of ours (ancestors, or the same path)
  local i = 0
  while true do
    i = string.find(key, '/', i + 1, true)
    if not i then break end
    local o = redis.call('HGET', owners, string.sub(key, 1, i))
    if o then return string.sub(key, 1, i), o end
  end
  -- held keys under ours
  local under = redis.call('ZRANGEBYLEX', K('locks'), '[' .. key, '[' .. key .. '\255', 'LIMIT', 0, 1)
  if #under > 0 then return under[1], redis.call('HGET', owners, under[1]) end
  return nil
end

local function take_locks(gid, artifacts)
  for _, a in ipairs(artifacts) do
    local key = lock_key(a)
    redis.call('ZADD', K('locks'), 0, key)
    redis.call('HSET', K('lock_owners'), key, gid)
  end
end

local function release_locks(gid, artifacts)
  for _, a in ipairs(artifacts) do
    local key = lock_key(a)
    if redis.call('HGET', K('lock_owners'), key) == gid then
      redis.call('HDEL', K('lock_owners'), key)
      redis.call('ZREM', K('locks'), key)
    end
  end
end

-- ---------------------------------------------------------------- rate limits (GCRA)
-- Returns 0 when a task of `ttype` may start now, else ms to wait. `commit` records the start.
local function rate_check(ttype, commit)
  local rate = cnum('rate:' .. ttype, cnum('rate:*'))
  if rate <= 0 then return 0 end
  local burst = cnum('burst:' .. ttype, cnum('burst:*'))
  if burst < 1 then burst = 1 end
  local period = 1000 / rate
  local tat = tonumber(redis.call('GET', K('rate:' .. ttype))) or NOW
  if tat < NOW then tat = NOW end
  local allow_at = tat - (burst - 1) * period
  if allow_at > NOW then return math.ceil(allow_at - NOW) end
  if commit then
    redis.call('SET', K('rate:' .. ttype), tostring(tat + period), 'PX', math.ceil(burst * period + 1000))
  end
  return 0
end

-- ---------------------------------------------------------------- releasing what a task held
-- Frees locks, the type's concurrency slot, the lease and the budget reservation of a
-- dispatched or running task; adds `usage` tokens to the feature's used count.
local function release(gid, t, usage, owner_known)
  release_locks(gid, split(t.artifacts, '\n'))
  incr(K('running:' .. t.type), -1)
  redis.call('ZREM', K('leases'), gid)
  local b = K('budget:' .. t.feature)
  local est = int(t.budget) or 0
  if est > 0 then hincr(b, 'reserved', -est) end
  if usage and usage > 0 then hincr(b, 'used', usage) end
  -- Only if the worker still runs this task: an old attempt's worker may have moved on.
  -- (`owner_known`: the caller is that worker, reporting with the current token.)
  if t.worker and t.worker ~= '' and (owner_known or redis.call('HGET', K('worker:' .. t.worker), 'task') == gid) then
    redis.call('HSET', K('worker:' .. t.worker), 'task', '', 'state', 'idle')
  end
end
"""#
}
