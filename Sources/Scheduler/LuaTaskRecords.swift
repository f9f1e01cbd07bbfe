/// Lua of the `swarm` library for reading task records that may be corrupt: `load_task` checks
/// every field the transitions rely on, `guarded` runs work for one task and quarantines it if
/// its record is unusable, so one bad record never stops the others.
enum LuaTaskRecords {
    static let source = #"""
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
"""#
}
