import RedisKit

/// `tick`: the scheduler loop's timer work in one atomic call — promote retries whose backoff
/// is over, reap expired leases, declare silent workers dead (requeueing their tasks), then
/// dispatch. Returns when the loop should look again.
///
/// KEYS[1] events · ARGV[1] max items per kind · ARGV[2] dispatch batch · ARGV[3] dispatch scan
/// Returns `{promoted, reaped, dead_workers, admitted, next_timer_ms}` (next_timer_ms = -1: no timer).
enum TickTransition {
    static let source = #"""
register('tick', function(keys, args)
  local limit = tonumber(args[1]) or 1000
  local promoted, reaped, dead = 0, 0, 0
  for _, gid in ipairs(redis.call('ZRANGEBYSCORE', K('delayed'), '-inf', NOW, 'LIMIT', 0, limit)) do
    redis.call('ZREM', K('delayed'), gid)
    local v = redis.call('HMGET', K('task:' .. gid), 'state', 'feature', 'priority', 'route')
    if v[1] == 'retrying' then
      transition(gid, v[2], 'retrying', 'ready', nil, {'reason', 'backoff over'})
      enqueue_ready(gid, v[4], v[3])
      promoted = promoted + 1
    end
  end
  for _, gid in ipairs(redis.call('ZRANGEBYSCORE', K('leases'), '-inf', NOW, 'LIMIT', 0, limit)) do
    if lose(gid, 'lease expired') == 'requeued' then reaped = reaped + 1 end
  end
  local ttl = cnum('worker_ttl', 10000)
  for _, w in ipairs(redis.call('ZRANGEBYSCORE', K('workers'), '-inf', NOW - ttl, 'LIMIT', 0, limit)) do
    worker_gone(w, 'missed heartbeats for ' .. ttl .. ' ms', true)
    dead = dead + 1
  end
  local admitted, wait = dispatch_pass(tonumber(args[2]) or 256, tonumber(args[3]) or 1024)
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
  if wait > 0 then sooner(NOW + wait) end
  return {promoted, reaped, dead, admitted, next}
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
}

extension SchedulerClient {
    /// Runs the timer work once: promote retries, reap leases, bury silent workers, dispatch.
    @discardableResult
    public func tick(limit: Int = 1000, batch: Int = 256, scan: Int = 1024) throws(SchedulerError) -> TickResult {
        let a = (try call("tick", [limit, batch, scan]).array ?? []).map { $0.int ?? 0 }
        guard a.count >= 5 else { throw .unexpected("tick returned \(a)") }
        return TickResult(promoted: a[0], reaped: a[1], deadWorkers: a[2], admitted: a[3], nextTimerMs: a[4] < 0 ? nil : a[4])
    }
}
