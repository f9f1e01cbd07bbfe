import RedisKit

/// `tick`: the scheduler loop's timer work in one atomic call — promote retries whose backoff
/// is over, reap expired leases, declare silent workers dead (requeueing their tasks), report
/// deadlines that passed before their task finished (`deadline_missed`), then dispatch.
/// Returns when the loop should look again. Each task and worker is handled on its own: a
/// corrupt record is quarantined (see `guarded`) and the rest of the tick goes on.
/// Contract: above `register('tick'` below.
enum TickTransition {
    static let source = #"""
local function promote(gid)
  local t = load_task(gid)
  if t and t.state == S.RETRYING then
    transition(gid, t.feature, S.RETRYING, S.READY, nil, {'reason', 'backoff over'})
    enqueue_ready(gid, t.route, t.priority, t.deadline)
    return 1
  end
  return 0
end

-- A deadline passed: say so once, unless the task already finished. (The field is named
-- `task_state`, not `state`: this is not a transition.)
local function check_deadline(gid)
  local t = load_task(gid)
  if t and not (FINAL[t.state] or t.state == S.UPSTREAM_FAILED) then
    emit('deadline_missed', gid, t.feature, {'deadline', t.deadline, 'task_state', t.state})
    return 1
  end
  return 0
end

--[[ tick: the scheduler loop's timer work, then a dispatch.
  KEYS[1]  events stream
  ARGV[1]  most items handled per kind (retries, leases, workers, deadlines; default 1000)
  ARGV[2]  most tasks to admit (default: setting dispatch_batch)
  ARGV[3]  most candidates to look at per route (default: setting dispatch_scan)
  Reply    {'promoted', n, 'reaped', n, 'dead_workers', n, 'admitted', n, 'next_timer_ms', ms,
           'deadlines_missed', n}: next_timer_ms = -1 when no timer is pending
  Errors   none (a corrupt record is quarantined; the tick goes on)
  Writes   delayed, leases, deadlines, workers, worker:<id>, route_workers:<route>, the tasks it
           promotes or requeues (and what a lost worker's task releases), stats; events ready,
           worker_died, deadline_missed, failed (a task lost more than max_lost times); then what
           dispatch writes
]]
register('tick', function(keys, args)
  local limit = tonumber(args[1]) or 1000
  local promoted, reaped, dead, missed = 0, 0, 0, 0
  for _, gid in ipairs(redis.call('ZRANGEBYSCORE', K('delayed'), '-inf', NOW, 'LIMIT', 0, limit)) do
    redis.call('ZREM', K('delayed'), gid)
    local ok, n = guarded(gid, promote, gid)
    if ok then promoted = promoted + n end
  end
  for _, gid in ipairs(redis.call('ZRANGEBYSCORE', K('leases'), '-inf', NOW, 'LIMIT', 0, limit)) do
    local ok, outcome = guarded(gid, lose, gid, 'lease expired')
    if ok and outcome == 'requeued' then reaped = reaped + 1 end
  end
  local ttl = cnum('worker_ttl')
  for _, w in ipairs(redis.call('ZRANGEBYSCORE', K('workers'), '-inf', NOW - ttl, 'LIMIT', 0, limit)) do
    -- A worker record that cannot be read still leaves the live set, or it would come back every tick.
    if not pcall(worker_gone, w, 'missed heartbeats for ' .. ttl .. ' ms', true) then redis.call('ZREM', K('workers'), w) end
    dead = dead + 1
  end
  for _, gid in ipairs(redis.call('ZRANGEBYSCORE', K('deadlines'), '-inf', NOW, 'LIMIT', 0, limit)) do
    redis.call('ZREM', K('deadlines'), gid)
    local ok, n = guarded(gid, check_deadline, gid)
    if ok then missed = missed + n end
  end
  local admitted, wait = dispatch_pass(tonumber(args[2]) or cnum('dispatch_batch'), tonumber(args[3]) or cnum('dispatch_scan'))
  local next = -1
  local function sooner(at)
    if at then
      local d = math.max(0, tonumber(at) - NOW)
      if next < 0 or d < next then next = d end
    end
  end
  local d = redis.call('ZRANGE', K('delayed'), 0, 0, 'WITHSCORES')
  sooner(d[2])
  local l = redis.call('ZRANGE', K('leases'), 0, 0, 'WITHSCORES')
  sooner(l[2])
  local w = redis.call('ZRANGE', K('workers'), 0, 0, 'WITHSCORES')
  if w[2] then sooner(tonumber(w[2]) + ttl) end
  local dl = redis.call('ZRANGE', K('deadlines'), 0, 0, 'WITHSCORES')
  sooner(dl[2])
  if wait > 0 then sooner(NOW + wait) end
  return {'promoted', promoted, 'reaped', reaped, 'dead_workers', dead, 'admitted', admitted, 'next_timer_ms', next,
          'deadlines_missed', missed}
end)
"""#
}

/// What one `tick` did.
public struct TickResult: Sendable, Equatable {
    /// Retries moved back to ready.
    public var promoted: Int
    /// Expired leases whose tasks went back to ready.
    public var reaped: Int
    /// Workers declared dead for missed heartbeats.
    public var deadWorkers: Int
    /// Tasks admitted.
    public var admitted: Int
    /// Milliseconds until the next timer is due (nil: none pending).
    public var nextTimerMs: Int?
    /// Tasks whose deadline passed before they finished (one `deadline_missed` event each).
    public var deadlinesMissed: Int = 0
}

extension SchedulerClient {
    /// Runs the timer work once: promote retries, reap leases, bury silent workers, report
    /// missed deadlines, dispatch.
    @discardableResult
    public func tick(limit: Int = 1000, batch: Int = 256, scan: Int = 1024) throws(SchedulerError) -> TickResult {
        let r = try FunctionReply(call("tick", [limit, batch, scan]), from: "tick")
        let next = try r.int("next_timer_ms")
        return TickResult(promoted: try r.int("promoted"), reaped: try r.int("reaped"), deadWorkers: try r.int("dead_workers"),
                          admitted: try r.int("admitted"), nextTimerMs: next < 0 ? nil : next,
                          deadlinesMissed: try r.int("deadlines_missed"))
    }
}
