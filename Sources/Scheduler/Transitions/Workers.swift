import RedisKit

/// Worker membership: `register`, `heartbeat`, `deregister` and `requeue_worker`.
///
/// register: KEYS[1] events · ARGV worker, host, pid, capabilities (comma), routes (newline: route
///   names contain commas), agents
///   (comma) → number of tasks admitted (a new worker may unblock capability routes).
/// heartbeat: KEYS[1] events · ARGV worker, gid ('' when idle), token, load (composite), cpu, mem,
///   loadavg, overloaded ('1'/'0'), routes (newline; '' = unchanged) → 1 while the worker still
///   owns gid's lease, else 0.
/// deregister: KEYS[1] events · ARGV worker, reason → 1.
/// requeue_worker: KEYS[1] events · ARGV worker, reason → 1 if a task was requeued. Used by the
///   supervisor the moment a worker process dies, so its task runs again at once.
enum WorkersTransition {
    static let source = #"""
local function touch_routes(worker, routes)
  for _, r in ipairs(split(routes, '\n')) do
    redis.call('ZADD', K('route_workers:' .. r), NOW, worker)
  end
end

-- A task whose worker vanished: extend a lease still sitting in a queue, otherwise put the
-- task back at the head of its queue at once (a worker loss is not the task's fault and costs
-- no retry), up to
-- `max_lost` times, after which it is dead-lettered as a likely poison task.
local function lose(gid, reason)
  local t = load_task(gid)
  if not t then
    redis.call('ZREM', K('leases'), gid)
    return 'gone'
  end
  if t.state == S.DISPATCHED then
    if redis.call('LPOS', K('q:' .. t.route), t.attempt .. ':' .. gid) then
      redis.call('ZADD', K('leases'), NOW + cnum('dispatch_lease', 10000), gid)
      return 'queued'
    end
  elseif t.state ~= S.RUNNING then
    redis.call('ZREM', K('leases'), gid)
    return 'stale'
  end
  release(gid, t, 0)
  local lost = hincr(K('task:' .. gid), 'lost', 1)
  if lost > cnum('max_lost', 5) then
    dead_letter(gid, t, 'worker lost ' .. lost .. ' times (last: ' .. reason .. ')')
    return 'dead'
  end
  -- moves from: S.DISPATCHED, S.RUNNING
  transition(gid, t.feature, t.state, S.READY, {'token', '', 'worker', ''}, {'reason', reason, 'worker', t.worker})
  enqueue_ready(gid, t.route, t.priority, t.deadline)
  admit_front(gid)
  return 'requeued'
end

-- `silent`: the worker only stopped heartbeating (it may be alive, cut off, on another host,
-- with its task still running): its task keeps its lease and is requeued only when the lease
-- expires, by which time a worker that cannot renew it has killed the task itself. A worker
-- whose death was seen (its supervisor reaped it and killed its task's group) loses it at once.
local function worker_gone(worker, reason, silent)
  local w = redis.call('HMGET', K('worker:' .. worker), 'task', 'routes', 'state')
  if not w[3] then return 0 end -- never registered: nothing to requeue, no phantom record
  local requeued = 0
  if w[1] and w[1] ~= '' then
    local tw = redis.pcall('HGET', K('task:' .. w[1]), 'worker')
    local lease = tonumber(redis.call('ZSCORE', K('leases'), w[1]))
    local leased = silent and lease and lease > NOW
    if tw == worker and not leased then
      local ok, outcome = guarded(w[1], lose, w[1], 'worker ' .. worker .. ' ' .. reason)
      if ok and outcome == 'requeued' then requeued = 1 end
    end
  end
  redis.call('ZREM', K('workers'), worker)
  for _, r in ipairs(split(w[2] or '', '\n')) do redis.call('ZREM', K('route_workers:' .. r), worker) end
  if w[3] ~= 'dead' and w[3] ~= 'stopped' then
    redis.call('HSET', K('worker:' .. worker), 'state', 'dead', 'task', '', 'ended', NOW)
    redis.call('EXPIRE', K('worker:' .. worker), 86400)
    emit('worker_died', '', '', {'worker', worker, 'reason', reason})
  end
  return requeued
end

register('register', function(keys, args)
  local worker, host, pid, caps, routes, agents = args[1], args[2], args[3], args[4], args[5], args[6]
  redis.call('DEL', K('worker:' .. worker))
  redis.call('HSET', K('worker:' .. worker), 'id', worker, 'host', host, 'pid', pid, 'capabilities', caps,
             'routes', routes, 'agents', agents, 'state', 'idle', 'task', '', 'registered', NOW, 'seen', NOW,
             'overloaded', '0')
  redis.call('ZADD', K('workers'), NOW, worker)
  touch_routes(worker, routes)
  emit('worker_registered', '', '', {'worker', worker, 'host', host, 'pid', pid, 'capabilities', caps})
  local admitted = dispatch_pass(cnum('dispatch_batch', 256), cnum('dispatch_scan', 1024))
  return admitted
end)

register('heartbeat', function(keys, args)
  local worker, gid, token = args[1], args[2], args[3]
  local wkey = K('worker:' .. worker)
  local state = redis.call('HGET', wkey, 'state')
  if not state then
    return redis.error_reply('UNKNOWNWORKER worker ' .. worker .. ' is not registered; register again')
  end
  if state == 'dead' or state == 'stopped' then
    -- Declared dead (its heartbeats stopped for a while) but alive: it rejoins. Its task was
    -- requeued meanwhile, so the token check below tells it to stop that run.
    redis.call('PERSIST', wkey)
    redis.call('HSET', wkey, 'state', 'idle', 'task', '')
    emit('worker_rejoined', '', '', {'worker', worker})
  end
  redis.call('ZADD', K('workers'), NOW, worker)
  redis.call('HSET', wkey, 'seen', NOW, 'load', args[4], 'cpu', args[5], 'mem', args[6], 'loadavg', args[7])
  local over = args[8] or '0'
  if redis.call('HGET', wkey, 'overloaded') ~= over then
    redis.call('HSET', wkey, 'overloaded', over)
    emit(over == '1' and 'worker_overloaded' or 'worker_recovered', '', '', {'worker', worker, 'cpu', args[5], 'mem', args[6]})
  end
  if args[9] and args[9] ~= '' then redis.call('HSET', wkey, 'routes', args[9]) end
  touch_routes(worker, redis.call('HGET', wkey, 'routes'))
  if gid == nil or gid == '' then return 1 end
  local t = redis.pcall('HMGET', K('task:' .. gid), 'state', 'token')
  if t.err or t[1] ~= S.RUNNING or t[2] ~= token then return 0 end
  redis.call('ZADD', K('leases'), NOW + cnum('run_lease', 15000), gid)
  -- A worker that rejoined while its lease held still runs the task: say so again, so its
  -- supervisor can requeue the task at once if it dies now.
  if redis.call('HGET', wkey, 'task') ~= gid then redis.call('HSET', wkey, 'task', gid, 'state', 'working') end
  return 1
end)

register('deregister', function(keys, args)
  local worker = args[1]
  -- A task it still holds (abandoned by a stop at once) goes back at once, not after its lease.
  local held = redis.call('HGET', K('worker:' .. worker), 'task')
  if held and held ~= '' and redis.pcall('HGET', K('task:' .. held), 'worker') == worker then
    guarded(held, lose, held, 'worker ' .. worker .. ' stopped')
  end
  local routes = redis.call('HGET', K('worker:' .. worker), 'routes') or ''
  redis.call('ZREM', K('workers'), worker)
  for _, r in ipairs(split(routes, '\n')) do redis.call('ZREM', K('route_workers:' .. r), worker) end
  redis.call('HSET', K('worker:' .. worker), 'state', 'stopped', 'ended', NOW)
  redis.call('EXPIRE', K('worker:' .. worker), 86400)
  emit('worker_stopped', '', '', {'worker', worker, 'reason', args[2] or ''})
  return 1
end)

register('requeue_worker', function(keys, args)
  local n = worker_gone(args[1], args[2] or 'died')
  dispatch_pass(cnum('dispatch_batch', 256), cnum('dispatch_scan', 1024))
  return n
end)
"""#
}

/// A worker's identity and what it can run, as registered.
public struct WorkerRegistration: Sendable, Equatable {
    /// Unique id (host, pid and a random suffix).
    public var id: String
    /// Host name.
    public var host: String
    /// Process id.
    public var pid: Int
    /// Capabilities (detected and configured).
    public var capabilities: [String]
    /// Route queues it serves.
    public var routes: [String]
    /// Agents it can run.
    public var agents: [String]

    /// Creates a registration.
    public init(id: String, host: String, pid: Int, capabilities: [String], routes: [String], agents: [String]) {
        self.id = id
        self.host = host
        self.pid = pid
        self.capabilities = capabilities
        self.routes = routes
        self.agents = agents
    }
}

/// Host load reported with each heartbeat.
public struct LoadReport: Sendable, Equatable {
    /// Composite score in 0...1 (weights from config).
    public var score: Double
    /// CPU use in percent.
    public var cpuPercent: Double
    /// Memory use in percent.
    public var memoryPercent: Double
    /// One-minute load average per core.
    public var loadPerCore: Double
    /// True while the host is above its limits (the worker stops claiming).
    public var overloaded: Bool

    /// Creates a report.
    public init(score: Double = 0, cpuPercent: Double = 0, memoryPercent: Double = 0, loadPerCore: Double = 0, overloaded: Bool = false) {
        self.score = score
        self.cpuPercent = cpuPercent
        self.memoryPercent = memoryPercent
        self.loadPerCore = loadPerCore
        self.overloaded = overloaded
    }
}

extension SchedulerClient {
    /// Registers a worker; returns tasks admitted because it now serves their routes.
    @discardableResult
    public func register(_ w: WorkerRegistration) throws(SchedulerError) -> Int {
        try call("register", [w.id, w.host, w.pid, w.capabilities.joined(separator: ","),
                              w.routes.joined(separator: "\n"), w.agents.joined(separator: ",")]).int ?? 0
    }

    /// Heartbeats a worker and, when it runs a task, extends that task's lease. Returns false
    /// when the worker no longer owns the task (reaped, cancelled): it must stop running it.
    /// `routes`, when given, replaces the routes it serves (new capability routes appear as plans
    /// are submitted).
    public func heartbeat(worker: String, task: StartedTask?, load: LoadReport, routes: [String]? = nil) throws(SchedulerError) -> Bool {
        let v = try call("heartbeat", [worker, task?.gid ?? "", task?.token ?? 0, load.score, load.cpuPercent,
                                       load.memoryPercent, load.loadPerCore, load.overloaded ? "1" : "0",
                                       routes?.joined(separator: "\n") ?? ""])
        return v.int == 1
    }

    /// Marks a worker stopped after a clean exit.
    public func deregister(worker: String, reason: String) throws(SchedulerError) {
        _ = try call("deregister", [worker, reason])
    }

    /// Declares a worker dead now and puts its task back to ready; true if a task was requeued.
    @discardableResult
    public func requeueWorker(_ worker: String, reason: String) throws(SchedulerError) -> Bool {
        try call("requeue_worker", [worker, reason]).int == 1
    }
}
