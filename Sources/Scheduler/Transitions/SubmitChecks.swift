/// Argument checks of `submit_feature` and `submit_tasks`, in Lua: the same bounds as the
/// Planner's `PlanLimits` and `TaskRecord.problem`, checked again where the data is written, so a
/// caller that skips the Swift checks still cannot store a bad task.
enum SubmitChecks {
    /// Fields per task in `submit_tasks`' arguments (`TASK_ARGS` in the Lua is generated from it).
    static let taskArguments = 11

    static let source = "local TASK_ARGS = \(taskArguments)\n" + #"""
local ID = '^[%w%._%-]+$'
-- Refuses a submit call whose arguments are bad (it has written nothing yet).
local function bad(what, why) return refuse(E.BADINPUT, what .. ' ' .. why .. '; nothing of this call was written') end

local function bounded_int(v, lo, hi)
  if type(v) ~= 'string' or #v > 16 or not string.match(v, '^%-?%d+$') then return nil end
  local n = tonumber(v)
  if n < lo or n > hi then return nil end
  return n
end

local function id_ok(v, max)
  return type(v) == 'string' and #v > 0 and #v <= max and string.match(v, ID) ~= nil
end

local function gid_ok(v)
  if type(v) ~= 'string' then return false end
  local f, t = string.match(v, '^([^/]+)/([^/]+)$')
  return f ~= nil and id_ok(f, 128) and id_ok(t, 128)
end

-- A normalised repo-relative path: no leading '/', no '', '.' or '..' component, no control byte.
local function path_ok(p)
  if #p == 0 or #p > 1024 or string.find(p, '[%c]') then return false end
  if string.sub(p, 1, 1) == '/' then return false end
  local body = p
  if string.sub(body, -1) == '/' then body = string.sub(body, 1, -2) end
  for part in string.gmatch(body .. '/', '([^/]*)/') do
    if part == '' or part == '.' or part == '..' then return false end
  end
  return true
end

local function route_ok(r)
  if r == 'any' then return true end
  local kind, rest = string.sub(r, 1, 2), string.sub(r, 3)
  if kind == 'm:' then return id_ok(rest, 128) end
  if kind == 'c:' then return #rest > 0 and #rest <= 4096 and string.match(rest, '^[%w%._%-:=,]+$') ~= nil end
  return false
end

-- Why task `n` of a submit_tasks call is unacceptable, or nil.
local function task_problem(a)
  local gid = a[1]
  if not gid_ok(gid) then return 'task id ' .. show(gid) .. ' is not feature/task with letters, digits, - _ . (at most 128 each)' end
  local where = 'task ' .. gid .. ': '
  if not id_ok(a[2], 128) then return where .. 'type ' .. show(a[2]) .. ' is not a valid name' end
  if not route_ok(a[3]) then return where .. 'route ' .. show(a[3]) .. ' is not a route' end
  if not bounded_int(a[4], -1000000, 1000000) then return where .. 'priority ' .. show(a[4]) .. ' is not an integer in -1000000..1000000' end
  if not bounded_int(a[5], 0, 1000000000000) then return where .. 'budget ' .. show(a[5]) .. ' is not an integer in 0..1000000000000' end
  if not bounded_int(a[6], 0, 1000) then return where .. 'retries ' .. show(a[6]) .. ' is not an integer in 0..1000' end
  for _, d in ipairs(split(a[7], ',')) do
    if not gid_ok(d) then return where .. 'dependency ' .. show(d) .. ' is not a task id' end
  end
  for _, p in ipairs(split(a[8], '\n')) do
    if not path_ok(p) then return where .. 'artifact ' .. show(p) .. ' is not a normalised repo-relative path' end
  end
  if a[9] == '' then return where .. 'spec is empty' end
  if a[10] ~= '' and not bounded_int(a[10], 0, 253402300799000) then return where .. 'deadline ' .. show(a[10]) .. ' is not ms since 1970' end
  if #a[11] > 1024 then return where .. 'signature is longer than 1024 bytes' end
  return nil
end
"""#
}
