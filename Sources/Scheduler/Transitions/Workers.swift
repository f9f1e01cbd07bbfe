import RedisKit

/// Worker membership: `register`, `heartbeat`, `deregister` and `requeue_worker` (contracts
/// above each `register` below). A worker whose death is seen loses its task at once; one that
/// only went silent keeps it until its lease expires.
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
      redis.call('ZADD', K('leases'), NOW + cnum('dispatch_lease'), gid)
      return 'queued'
    end
  elseif t.state ~= S.RUNNING then
    redis.call('ZREM', K('leases'), gid)
    return 'stale'
  end
  release(gid, t, 0)
  local lost = hincr(K('task:' .. gid), 'lost', 1)
  if lost > cnum('max_lost') then
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

--[[ register: a worker joins (replacing any record of the same id).
  KEYS[1]  events stream
  ARGV[1]  worker id
  ARGV[2]  host
  ARGV[3]  pid
  ARGV[4]  capabilities, comma separated
  ARGV[5]  routes it serves, newline separated (route names contain commas)
  ARGV[6]  agents it can run, comma separated
  Reply    n: tasks admitted (a new worker may open capability and machine routes)
  Errors   none
  Writes   worker:<id>, workers, route_workers:<route>; event worker_registered; then what
           dispatch writes
]]
register('register', function(keys, args)
  local worker, host, pid, caps, routes, agents = args[1], args[2], args[3], args[4], args[5], args[6]
  redis.call('DEL', K('worker:' .. worker))
  redis.call('HSET', K('worker:' .. worker), 'id', worker, 'host', host, 'pid', pid, 'capabilities', caps,
             'routes', routes, 'agents', agents, 'state', 'idle', 'task', '', 'registered', NOW, 'seen', NOW,
             'overloaded', '0')
  redis.call('ZADD', K('workers'), NOW, worker)
  touch_routes(worker, routes)
  emit('worker_registered', '', '', {'worker', worker, 'host', host, 'pid', pid, 'capabilities', caps})
  local admitted = dispatch_all()
  return admitted
end)

--[[ heartbeat: a worker is alive; renews its task's run lease while it still owns it.
  KEYS[1]  events stream
  ARGV[1]  worker id
  ARGV[2]  gid of the task it runs ('' when idle)
  ARGV[3]  that task's token
  ARGV[4]  load score (composite, 0..1)
  ARGV[5]  cpu percent
  ARGV[6]  memory percent
  ARGV[7]  load average per core
  ARGV[8]  overloaded: '1' or '0'
  ARGV[9]  routes it serves now, newline separated ('' = unchanged)
  Reply    1 while the worker owns the task's lease (or is idle), 0 when it must stop the task
  Errors   UNKNOWNWORKER (no record: it expired or Redis lost it; register again)
  Writes   worker:<id> (seen, load, routes, overloaded, state and task on rejoin), workers,
           route_workers:<route>, leases; events worker_rejoined, worker_overloaded,
           worker_recovered
]]
register('heartbeat', function(keys, args)
  local worker, gid, token = args[1], args[2], args[3]
  local wkey = K('worker:' .. worker)
  local state = redis.call('HGET', wkey, 'state')
  if not state then
    return refuse(E.UNKNOWNWORKER, 'worker ' .. worker .. ' is not registered; register again')
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
  redis.call('ZADD', K('leases'), NOW + cnum('run_lease'), gid)
  -- A worker that rejoined while its lease held still runs the task: say so again, so its
  -- supervisor can requeue the task at once if it dies now.
  if redis.call('HGET', wkey, 'task') ~= gid then redis.call('HSET', wkey, 'task', gid, 'state', 'working') end
  return 1
end)

--[[ deregister: a worker stops cleanly; a task it still holds goes back at once.
  KEYS[1]  events stream
  ARGV[1]  worker id
  ARGV[2]  reason
  Reply    1
  Errors   none
  Writes   worker:<id> (state stopped, ended; expires in a day), workers, route_workers:<route>,
           the held task (ready, head of its queue; or failed past max_lost); event
           worker_stopped
]]
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

--[[ requeue_worker: the supervisor saw a worker process die; its task runs again at once.
  KEYS[1]  events stream
  ARGV[1]  worker id
  ARGV[2]  reason (default 'died')
  Reply    1 if a task was requeued, else 0
  Errors   none
  Writes   worker:<id> (state dead, ended; expires in a day), workers, route_workers:<route>,
           the task (ready, head of its queue; or failed past max_lost); event worker_died;
           then what dispatch writes
]]
register('requeue_worker', function(keys, args)
  local n = worker_gone(args[1], args[2] or 'died')
  dispatch_all()
  return n
end)
"""#
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
