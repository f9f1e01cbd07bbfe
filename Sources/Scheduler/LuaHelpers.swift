/// Lua shared by every transition of the `swarm` functions library.
///
/// Calling convention of every function: `KEYS[1]` is the namespace's events stream
/// (`swarm:{NS}:events`); all other keys are derived from its prefix, so they share its hash
/// slot. `NOW` is Redis's own clock in ms, read once per call, so all servers and clients agree.
enum LuaHelpers {
    static let source = #"""
local P, NOW, C
-- Per-state counter changes of the current call, written once at its end (`flush_stats`):
-- a call that moves a task ready -> dispatched -> running then nets out to two HINCRBYs.
local STATS = {}
-- Settings per namespace, cached across calls in the library's Lua state and re-read only when
-- `config_version` changes: one GET per call instead of an HGETALL. `configure`, the draining
-- switch and a submit that adds a route all set a new version. Besides the `config` hash the
-- cache holds the draining flag (C['@draining']) and the route list (C['@routes']).
local CONFIG_CACHE = {}
local function K(name) return P .. name end

local function begin(keys)
  STATS = {}
  P = string.sub(keys[1], 1, #keys[1] - 6) -- strip 'events'
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local version = redis.call('GET', K('config_version')) or '0'
  local cached = CONFIG_CACHE[P]
  if cached and cached.version == version then
    C = cached.values
    return
  end
  local raw = redis.call('HGETALL', K('config'))
  C = {}
  for i = 1, #raw, 2 do C[raw[i]] = raw[i + 1] end
  C['@draining'] = redis.call('HGET', K('control'), 'draining') == '1'
  C['@routes'] = redis.call('SMEMBERS', K('routes'))
  CONFIG_CACHE[P] = {version = version, values = C}
end

-- Records a route the first time a task uses it, keeping every cached copy of the route list
-- right (a new version makes other namespaces' callers re-read; this call updates its own).
local function add_route(route)
  if redis.call('SADD', K('routes'), route) == 1 then
    local version = 'r' .. NOW .. '-' .. redis.call('INCR', K('route_epoch'))
    redis.call('SET', K('config_version'), version)
    table.insert(C['@routes'], route)
    CONFIG_CACHE[P] = {version = version, values = C}
  end
end

local function cnum(name, default)
  local v = tonumber(C[name])
  if v == nil then return default end
  return v
end

-- Appends one event; `fields` is a flat list of extra name, value pairs.
local function emit(kind, gid, feature, fields)
  local args = {'XADD', K('events'), 'MAXLEN', '~', C['events_maxlen'] or '100000', '*',
                'type', kind, 'task', gid or '', 'feature', feature or '', 'ts', tostring(NOW)}
  if fields then for i = 1, #fields do args[#args + 1] = tostring(fields[i]) end end
  return redis.call(unpack(args))
end

-- Moves a task to a new state: one HSET, the per-state counters, and exactly one event.
local function transition(gid, feature, from, to, hset, fields)
  local args = {'HSET', K('task:' .. gid), 'state', to, 'updated', NOW}
  if hset then for i = 1, #hset do args[#args + 1] = hset[i] end end
  redis.call(unpack(args))
  if from and from ~= '' then STATS[from] = (STATS[from] or 0) - 1 end
  STATS[to] = (STATS[to] or 0) + 1
  local ev = {'state', to, 'from', from or ''}
  if fields then for i = 1, #fields do ev[#ev + 1] = fields[i] end end
  emit(to, gid, feature, ev)
end

local function flush_stats()
  for state, delta in pairs(STATS) do
    if delta ~= 0 then redis.call('HINCRBY', K('stats'), state, delta) end
  end
  STATS = {}
end

-- Registers a function of the library: sets up the call (prefix, clock, settings), runs `body`,
-- then writes the call's counter changes.
local function register(name, body)
  redis.register_function(name, function(keys, args)
    begin(keys)
    local result = body(keys, args)
    flush_stats()
    return result
  end)
end

local function split(s, sep)
  local out = {}
  if not s or s == '' then return out end
  for part in string.gmatch(s, '([^' .. sep .. ']+)') do out[#out + 1] = part end
  return out
end

local function ready_score(priority)
  return NOW / 1000 - (tonumber(priority) or 0) * cnum('priority_aging', 60)
end

-- Ready tasks wait in one zset per route (`ready:<route>`), so a route whose queue is full, or
-- whose tasks are all held back, never hides the candidates of another route.
-- Puts a task on its route's ready zset (the caller's transition sets the state).
local function enqueue_ready(gid, route, priority)
  redis.call('ZADD', K('ready:' .. route), ready_score(priority), gid)
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
  local rate = cnum('rate:' .. ttype, cnum('rate:*', 0))
  if rate <= 0 then return 0 end
  local burst = cnum('burst:' .. ttype, cnum('burst:*', 1))
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
  redis.call('DECR', K('running:' .. t.type))
  redis.call('ZREM', K('leases'), gid)
  local b = K('budget:' .. t.feature)
  local est = tonumber(t.budget) or 0
  if est > 0 then redis.call('HINCRBY', b, 'reserved', -est) end
  if usage and usage > 0 then redis.call('HINCRBY', b, 'used', usage) end
  -- Only if the worker still runs this task: an old attempt's worker may have moved on.
  -- (`owner_known`: the caller is that worker, reporting with the current token.)
  if t.worker and t.worker ~= '' and (owner_known or redis.call('HGET', K('worker:' .. t.worker), 'task') == gid) then
    redis.call('HSET', K('worker:' .. t.worker), 'task', '', 'state', 'idle')
  end
end

local TASK_FIELDS = {'state', 'type', 'feature', 'route', 'artifacts', 'budget', 'priority',
                     'attempt', 'token', 'worker', 'retries', 'failures', 'lost', 'deps', 'defer', 'blimit'}

local function load_task(gid)
  local v = redis.call('HMGET', K('task:' .. gid), unpack(TASK_FIELDS))
  if not v[1] then return nil end
  local t = {gid = gid}
  for i, f in ipairs(TASK_FIELDS) do t[f] = v[i] or '' end
  return t
end

local function wake()
  redis.call('RPUSH', K('wake'), '1')
  redis.call('LTRIM', K('wake'), -1, -1)
end
"""#
}
