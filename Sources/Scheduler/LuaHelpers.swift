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

-- A number setting: the `config` hash's value, else `default` (per-type fields such as
-- 'max:<type>'), else the default generated from SchedulerSettings (DEFAULTS). A name in neither
-- is a bug in the library: raise rather than guess.
local function cnum(name, default)
  local v = tonumber(C[name])
  if v ~= nil then return v end
  if default ~= nil then return default end
  v = DEFAULTS[name]
  if v == nil then error('no setting ' .. tostring(name)) end
  return v
end

-- Appends one event; `fields` is a flat list of extra name, value pairs.
local function emit(kind, gid, feature, fields)
  local args = {'XADD', K('events'), 'MAXLEN', '~', I(cnum('events_maxlen')), '*',
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
