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

-- Integers reach Redis as decimal text made here: a Lua number given to redis.call is printed
-- with '%.14g', so 1e17 would arrive as '1e+17' and HINCRBY would refuse it.
local function I(n) return string.format('%d', n) end

-- A stored integer, or nil when the text is not one. Never raises: fields may hold garbage.
-- Magnitudes stay below 10^15, so every accepted value is exact in a Lua double.
local function int(v)
  local n = tonumber(v)
  if n == nil or n ~= n or n >= 1e15 or n <= -1e15 or n ~= math.floor(n) then return nil end
  return n
end

-- Printable, short form of a stored value for a reason text (control and high bytes as '?').
local function show(v)
  local text = (string.gsub(tostring(v), '[%c\128-\255]', '?'))
  if #text > 40 then text = string.sub(text, 1, 40) .. '...' end
  return "'" .. text .. "'"
end

-- HINCRBY that a corrupt field cannot break: a value that is not an integer counts as 0 and is
-- overwritten; a key of another type is left alone. Returns the new value.
local function hincr(key, field, delta)
  local r = redis.pcall('HINCRBY', key, field, I(delta))
  if type(r) == 'number' then return r end
  redis.pcall('HSET', key, field, I(delta))
  return delta
end

-- INCRBY on a counter key, resetting a corrupt value (or a key of another type) to `delta`.
local function incr(key, delta)
  local r = redis.pcall('INCRBY', key, I(delta))
  if type(r) == 'number' then return r end
  redis.call('SET', key, I(delta))
  return delta
end

-- Members of a set, or none when the key holds something else.
local function members(key)
  local r = redis.pcall('SMEMBERS', key)
  if r.err then return {} end
  return r
end

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
  if fields then
    for i = 1, #fields do
      local f = fields[i]
      args[#args + 1] = (type(f) == 'number' and f == math.floor(f) and f < 1e15 and f > -1e15) and I(f) or tostring(f)
    end
  end
  return redis.call(unpack(args))
end

-- Moves a task to a new state: one HSET, the per-state counters, and exactly one event.
local function transition(gid, feature, from, to, hset, fields)
  local args = {'HSET', K('task:' .. gid), 'state', to, 'updated', I(NOW)}
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
    if delta ~= 0 then hincr(K('stats'), state, delta) end
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

-- Score of a ready task: its enqueue time (s) less priority × aging. A task whose deadline is
-- less than `deadline_lead` away ranks as if it had waited since deadline − lead, so it moves
-- ahead of everything enqueued after that as its deadline nears.
local function ready_score(priority, deadline)
  local score = NOW / 1000 - (int(priority) or 0) * cnum('priority_aging', 60)
  local d = int(deadline)
  if d and d > 0 then
    local due = d / 1000 - cnum('deadline_lead', 600)
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

local TASK_FIELDS = {'state', 'type', 'feature', 'route', 'artifacts', 'budget', 'priority',
                     'attempt', 'token', 'worker', 'retries', 'failures', 'lost', 'deps', 'defer', 'blimit',
                     'deadline'}
-- Fields that must hold integers (written at submit, kept by every transition).
local INT_FIELDS = {'budget', 'priority', 'attempt', 'retries', 'failures', 'lost'}

local function corrupt(text) error({corrupt = text}, 0) end

-- Loads a task, or nil when there is none. Raises (see `guarded`) when a field the
-- transitions rely on is garbage, before the caller has written anything for it.
-- `extra` fields (such as 'spec') are loaded unchecked.
local function load_task(gid, extra)
  local fields = TASK_FIELDS
  if extra then
    fields = {unpack(TASK_FIELDS)}
    for _, f in ipairs(extra) do fields[#fields + 1] = f end
  end
  local v = redis.call('HMGET', K('task:' .. gid), unpack(fields))
  if not v[1] then
    for i = 2, #TASK_FIELDS do if v[i] then corrupt('the record has no state') end end
    return nil
  end
  local t = {gid = gid}
  for i, f in ipairs(fields) do t[f] = v[i] or '' end
  if not STATES[t.state] then corrupt('state ' .. show(t.state) .. ' is not a task state') end
  if t.feature == '' or t.type == '' then corrupt('feature or type is empty') end
  local r = string.sub(t.route, 1, 2)
  if t.route ~= 'any' and r ~= 'm:' and r ~= 'c:' then corrupt('route ' .. show(t.route) .. ' is not a route') end
  for _, f in ipairs(INT_FIELDS) do
    if not int(t[f]) then corrupt(f .. ' ' .. show(t[f]) .. ' is not an integer') end
  end
  if t.blimit ~= '' and not int(t.blimit) then corrupt('blimit ' .. show(t.blimit) .. ' is not an integer') end
  if t.deadline ~= '' and not int(t.deadline) then corrupt('deadline ' .. show(t.deadline) .. ' is not an integer') end
  return t
end

-- ---------------------------------------------------------------- corrupt records
-- Takes a task whose record cannot be used out of every index that could hand it to a
-- transition again (ready, leases, delayed, deadlines, locks it owns), gives back what it may
-- hold, and parks it in needs_human with the reason: one bad record stops only itself.
local function quarantine(gid, reason)
  reason = 'corrupt record: ' .. reason .. '; fix or cancel the task'
  local tkey = K('task:' .. gid)
  local raw = redis.pcall('HMGET', tkey, 'state', 'feature', 'type', 'budget')
  if raw.err then
    -- Not a hash at all: keep its bytes for a person under corrupt:<gid>, start a clean record.
    redis.call('RENAME', tkey, K('corrupt:' .. gid))
    raw = {}
  end
  local from, feature, ttype = raw[1] or '', raw[2] or '', raw[3] or ''
  for _, route in ipairs(C['@routes']) do redis.call('ZREM', K('ready:' .. route), gid) end
  redis.call('ZREM', K('leases'), gid)
  redis.call('ZREM', K('delayed'), gid)
  redis.call('ZREM', K('deadlines'), gid)
  -- Its artifact list may be the garbage: find its locks by owner.
  local owners = redis.call('HGETALL', K('lock_owners'))
  for i = 1, #owners, 2 do
    if owners[i + 1] == gid then
      redis.call('HDEL', K('lock_owners'), owners[i])
      redis.call('ZREM', K('locks'), owners[i])
    end
  end
  if (from == S.DISPATCHED or from == S.RUNNING) and ttype ~= '' then
    incr(K('running:' .. ttype), -1)
    local est = int(raw[4])
    if est and est > 0 and feature ~= '' then hincr(K('budget:' .. feature), 'reserved', -est) end
  end
  redis.call('HSET', tkey, 'state', S.NEEDS_HUMAN, 'reason', reason, 'updated', I(NOW))
  if STATES[from] then STATS[from] = (STATS[from] or 0) - 1 else from = '' end
  STATS[S.NEEDS_HUMAN] = (STATS[S.NEEDS_HUMAN] or 0) + 1
  redis.call('ZADD', K('human'), NOW, gid)
  emit(S.NEEDS_HUMAN, gid, feature, {'state', S.NEEDS_HUMAN, 'from', from, 'reason', reason, 'quarantined', '1'})
end

local function why(e)
  if type(e) == 'table' then return tostring(e.corrupt or e.err or 'unknown error') end
  return tostring(e)
end

-- Runs fn(...) on behalf of task `gid`; if its record makes it fail, the task is quarantined
-- and the calling transition goes on with its other tasks. Returns ok, fn's results.
local function guarded(gid, fn, ...)
  local ok, a, b = pcall(fn, ...)
  if ok then return true, a, b end
  quarantine(gid, why(a))
  return false
end

-- One field of a task whose record may be of another type: '' then, never an error.
local function task_field(gid, field)
  local v = redis.pcall('HGET', K('task:' .. gid), field)
  if type(v) ~= 'string' then return '' end
  return v
end

local function task_state(gid)
  local st = task_field(gid, 'state')
  if st == '' then return nil end
  return st
end

-- Tokens a worker reports: an integer in 0..10^12 (the largest budget), whatever was sent.
local function usage_of(v)
  local n = tonumber(v)
  if n == nil or n ~= n or n <= 0 then return 0 end
  if n > 1e12 then return 1e12 end
  return math.floor(n)
end

local function wake()
  redis.call('RPUSH', K('wake'), '1')
  redis.call('LTRIM', K('wake'), -1, -1)
end
"""#
}
