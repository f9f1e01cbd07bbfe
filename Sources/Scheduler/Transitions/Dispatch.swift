import RedisKit

/// `dispatch`: admits ready tasks, best score first within each route (ready tasks wait in one
/// zset per route), and pushes each to its route's queue.
///
/// A task is admitted only when all of these hold (checked cheapest first):
/// not draining; its route's queue is below `queue_depth` (so priority order holds until a
/// worker takes a task); a live worker serves its route (for capability and machine routes);
/// its type is below `max_concurrent`; the type's GCRA rate limit allows it; its feature's budget
/// can reserve its estimate; and all its artifact locks are free (taken all-or-nothing).
/// A task that cannot go stays ready; a `deferred` event is emitted only when its reason changes.
/// Contract: above `register('dispatch'` below.
enum DispatchTransition {
    static let source = #"""
local function defer(t, reason)
  if t.defer ~= reason then
    redis.call('HSET', K('task:' .. t.gid), 'defer', reason)
    emit('deferred', t.gid, t.feature, {'reason', reason})
  end
end

-- Tries to admit one ready task. Returns 'admitted', 'gone' (stale entry dropped) or
-- 'deferred', and the rate-limit wait in ms if that was the reason. Raises for a corrupt record
-- before writing anything (see `guarded`).
local function try_admit(gid, ctx)
  local t = load_task(gid)
  if not t or t.state ~= S.READY then
    if t then dequeue_ready(gid, t.route) else redis.call('ZREM', K('ready:' .. ctx.route), gid) end
    return 'gone', 0
  end
  if ctx.full[t.route] then return 'deferred', 0 end
  local q = K('q:' .. t.route)
  if t.route ~= 'any' then
    if ctx.live[t.route] == nil then
      ctx.live[t.route] = redis.call('ZCOUNT', K('route_workers:' .. t.route), NOW - ctx.worker_ttl, '+inf') > 0
    end
    if not ctx.live[t.route] then
      defer(t, 'no live worker serves route ' .. t.route)
      return 'deferred', 0
    end
  end
  local maxc = cnum('max:' .. t.type, 0)
  if maxc > 0 then
    local running = int(redis.call('GET', K('running:' .. t.type))) or 0
    if running >= maxc then
      defer(t, 'type ' .. t.type .. ' is at max_concurrent ' .. maxc)
      return 'deferred', 0
    end
  end
  local wait = rate_check(t.type, false)
  if wait > 0 then
    defer(t, 'type ' .. t.type .. ' is rate limited')
    return 'deferred', wait
  end
  local est = int(t.budget) or 0
  local b = K('budget:' .. t.feature)
  -- `blimit` is the feature's budget, copied onto each task at submit: none means no check.
  if est > 0 or (int(t.blimit) or 1) > 0 then
    local v = redis.call('HMGET', b, 'limit', 'reserved', 'used')
    local limit, reserved, used = int(v[1]) or 0, int(v[2]) or 0, int(v[3]) or 0
    if limit > 0 and (reserved + used + est > limit or used >= limit) then
      defer(t, 'feature budget: ' .. I(reserved + used) .. ' of ' .. I(limit) .. ' tokens reserved or used, task needs ' .. I(est))
      return 'deferred', 0
    end
  end
  local artifacts = split(t.artifacts, '\n')
  for _, a in ipairs(artifacts) do
    local held, owner = lock_conflict(a)
    if held then
      defer(t, 'artifact ' .. a .. ' overlaps ' .. held .. ' held by ' .. owner)
      return 'deferred', 0
    end
  end
  -- Admitted: take everything at once.
  take_locks(gid, artifacts)
  rate_check(t.type, true)
  if est > 0 then hincr(b, 'reserved', est) end
  incr(K('running:' .. t.type), 1)
  local attempt = int(t.attempt) + 1
  dequeue_ready(gid, t.route)
  -- A task recovered from a lost worker jumps the queue: it was already admitted once.
  local depth = redis.call(ctx.front and 'LPUSH' or 'RPUSH', q, attempt .. ':' .. gid)
  if not ctx.front and depth >= ctx.depth then
    ctx.full[t.route] = true  -- known full now: no need to load another candidate to find out
  end
  redis.call('ZADD', K('leases'), NOW + ctx.lease, gid)
  transition(gid, t.feature, S.READY, S.DISPATCHED,
             {'attempt', attempt, 'defer', '', 'dispatched_at', NOW, 'worker', '', 'token', ''},
             {'attempt', attempt, 'route', t.route})
  return 'admitted', 0
end

-- Admits up to `limit` ready tasks, route by route (starting at a rotating route so none is
-- always last), looking at most at `scan` candidates of each route and skipping routes whose
-- queue is full. Returns admitted and the shortest rate-limit wait seen.
local function dispatch_pass(limit, scan)
  if C['@draining'] then return 0, 0 end
  local ctx = {full = {}, live = {}, depth = cnum('queue_depth'), lease = cnum('dispatch_lease'),
               worker_ttl = cnum('worker_ttl')}
  local routes = C['@routes']
  local admitted, min_wait = 0, 0
  local first = #routes > 0 and (NOW % #routes) or 0
  for i = 1, #routes do
    if admitted >= limit then break end
    local route = routes[(first + i - 1) % #routes + 1]
    ctx.route = route
    if redis.call('LLEN', K('q:' .. route)) >= ctx.depth then ctx.full[route] = true end
    local start = 0
    while not ctx.full[route] and admitted < limit and start < scan do
      -- Small pages for small passes (complete admits a few); a page is at most 256.
      local n = math.min(scan - start, math.max(2 * limit, 16), 256)
      local cands = redis.call('ZRANGE', K('ready:' .. route), start, start + n - 1)
      if #cands == 0 then break end
      local removed = 0
      for _, gid in ipairs(cands) do
        -- A corrupt candidate is quarantined (and so leaves the zset) instead of failing the pass.
        local ok, outcome, wait = guarded(gid, try_admit, gid, ctx)
        if not ok then outcome, wait = 'gone', 0 end
        if outcome == 'admitted' or outcome == 'gone' then removed = removed + 1 end
        if outcome == 'admitted' then admitted = admitted + 1 end
        if wait > 0 and (min_wait == 0 or wait < min_wait) then min_wait = wait end
        if admitted >= limit or ctx.full[route] then break end
      end
      -- Admitted tasks left the zset, so the next page starts that much earlier.
      start = start + #cands - removed
      if #cands < n then break end
    end
  end
  return admitted, min_wait
end

-- Admits one task at the head of its route queue, past the depth limit (all other checks
-- hold). Used for tasks whose worker died, so they run again at once.
local function admit_front(gid)
  if C['@draining'] then return false end
  local ctx = {full = {}, live = {}, depth = 0, front = true, route = '', lease = cnum('dispatch_lease'),
               worker_ttl = cnum('worker_ttl')}
  return try_admit(gid, ctx) == 'admitted'
end

-- The dispatch every submit, resolve, cancel and worker change runs before it returns.
local function dispatch_all() return dispatch_pass(cnum('dispatch_batch'), cnum('dispatch_scan')) end
-- The smaller one a settling call (complete, fail, reject_spec) runs: a worker waits for it.
local function dispatch_inline() return dispatch_pass(cnum('inline_dispatch'), cnum('inline_scan')) end

--[[ dispatch: admits ready tasks to their route queues.
  KEYS[1]  events stream
  ARGV[1]  most tasks to admit (default: setting dispatch_batch)
  ARGV[2]  most ready candidates to look at per route (default: setting dispatch_scan)
  Reply    {'admitted', n, 'wait_ms', ms}: wait_ms = the shortest rate-limit wait seen, 0 if none
  Errors   none (a corrupt candidate is quarantined; the pass goes on)
  Writes   task:<gid> (state dispatched, attempt, defer), ready:<route>, q:<route>, leases,
           locks, lock_owners, rate:<type>, running:<type>, budget:<f>.reserved, stats; events
           dispatched and deferred (only when a task's reason changes)
]]
register('dispatch', function(keys, args)
  local admitted, wait = dispatch_pass(tonumber(args[1]) or cnum('dispatch_batch'), tonumber(args[2]) or cnum('dispatch_scan'))
  return {'admitted', admitted, 'wait_ms', wait}
end)
"""#
}

/// What one `dispatch` call did.
public struct DispatchResult: Sendable, Equatable {
    /// Tasks pushed to route queues.
    public var admitted: Int
    /// Shortest wait (ms) before a rate-limited task may go; 0 if none was rate limited.
    public var rateWaitMs: Int
}

extension SchedulerClient {
    /// Admits up to `limit` ready tasks, scanning at most `scan` candidates.
    @discardableResult
    public func dispatch(limit: Int = 256, scan: Int = 1024) throws(SchedulerError) -> DispatchResult {
        let r = try FunctionReply(call("dispatch", [limit, scan]), from: "dispatch")
        return DispatchResult(admitted: try r.int("admitted"), rateWaitMs: try r.int("wait_ms"))
    }
}
