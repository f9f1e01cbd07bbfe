import Planner
import RedisKit

/// `submit_feature` and `submit_tasks`: create a feature and its tasks (contracts above each
/// `register` below).
///
/// A plan is validated in Swift before anything is written (an invalid plan writes nothing),
/// and each call checks its own arguments again before it writes (`SubmitChecks`): a call with
/// one bad task writes none of its tasks. Large plans go in chunks of `submit_tasks`; a task that
/// already exists is skipped, so an interrupted submit can simply be repeated, and the
/// idempotency key makes a second submit of the same plan a no-op that says so.
enum SubmitTransition {
    static let source = #"""
--[[ submit_feature: creates a feature, once per idempotency key.
  KEYS[1]  events stream (every other key derives from its prefix)
  ARGV[1]  feature id (letters, digits, - _ ., at most 128)
  ARGV[2]  idempotency key (1 to 256 bytes)
  ARGV[3]  description
  ARGV[4]  token budget, integer 0..10^12 (0 = none)
  ARGV[5]  number of tasks the plan has
  ARGV[6]  optional: repository URL (then the feature has a merge queue, see Merge.swift)
  ARGV[7]  optional: base commit
  ARGV[8]  optional: integration branch
  ARGV[9]  optional: integration tests, JSON argument vectors
  Reply    {'outcome', 'created'|'resume'|'duplicate', 'feature', id}: resume = the key's
           feature has fewer tasks than planned (repeat submit_tasks); duplicate = complete
           already, then 'feature' is the key's feature, which may differ from ARGV[1]
  Errors   BADINPUT (an argument is out of bounds), FEATUREEXISTS (the id has another key)
  Writes   feature:<f> (with repository, base_commit, integration_branch, integration_tests
           when ARGV[6] is given), budget:<f>, idem:<key>, features; event feature_submitted
]]
register('submit_feature', function(keys, args)
  local fid, idem, desc = args[1], args[2], args[3] or ''
  local budget, total = bounded_int(args[4], 0, 1000000000000), bounded_int(args[5], 0, 100000000)
  if not id_ok(fid, 128) then return bad('feature id', show(fid) .. ' is not letters, digits, - _ . (at most 128)') end
  if type(idem) ~= 'string' or #idem == 0 or #idem > 256 then return bad('idempotency key', 'must have 1 to 256 bytes') end
  if not budget then return bad('budget', show(args[4]) .. ' is not an integer in 0..1000000000000') end
  if not total then return bad('task count', show(args[5]) .. ' is not an integer') end
  local fkey = K('feature:' .. fid)
  local known = redis.call('GET', K('idem:' .. idem))
  if known then
    local f = redis.pcall('HMGET', K('feature:' .. known), 'total', 'submitted')
    if f.err then f = {} end
    if (int(f[2]) or 0) < (int(f[1]) or 0) then return {'outcome', 'resume', 'feature', known} end
    return {'outcome', 'duplicate', 'feature', known}
  end
  if redis.call('EXISTS', fkey) == 1 then
    return refuse(E.FEATUREEXISTS, 'feature ' .. fid .. ' already exists from another plan; give this plan another feature id or cancel the old one')
  end
  redis.call('HSET', fkey, 'id', fid, 'description', desc, 'budget', I(budget), 'total', I(total),
             'submitted', 0, 'remaining', I(total), 'state', 'running', 'created', I(NOW), 'idempotency_key', idem)
  redis.call('HSET', K('budget:' .. fid), 'limit', I(budget), 'reserved', 0, 'used', 0)
  if args[6] and args[6] ~= '' then record_repository(fkey, args) end
  redis.call('SET', K('idem:' .. idem), fid)
  redis.call('SADD', K('features'), fid)
  emit('feature_submitted', '', fid, {'tasks', I(total), 'budget', I(budget), 'description', desc})
  return {'outcome', 'created', 'feature', fid}
end)

--[[ submit_tasks: adds tasks to a feature; a task that exists is skipped.
  KEYS[1]  events stream
  ARGV[1]  feature id (made by submit_feature)
  ARGV[2…] TASK_ARGS (11) per task: gid (feature/task), type, route (any | m:<host> |
           c:<cap,cap>), priority, budget, retries, deps (gids, comma separated), artifacts
           (normalised paths, newline separated), spec JSON, deadline (ms since 1970, '' = none),
           signature ('' = unsigned)
  Reply    {'created', n, 'skipped', n, 'admitted', n}: admitted = tasks this call's dispatch
           pushed to route queues
  Errors   BADINPUT (any task of the call is bad: then none is written; or the feature is
           missing)
  Writes   task:<gid>, deps:<gid>, dependents:<dep>, feature_tasks:<f>, deadlines, routes,
           config_version, route_epoch, ready:<route>, feature:<f>.submitted, stats, wake,
           events; and what dispatch writes
]]
register('submit_tasks', function(keys, args)
  local fid = args[1]
  if not id_ok(fid, 128) then return bad('feature id', show(fid) .. ' is not valid') end
  if (#args - 1) % TASK_ARGS ~= 0 then
    return bad('arguments', 'come in groups of ' .. TASK_ARGS .. ' per task, got ' .. (#args - 1))
  end
  -- Check every task of the call before writing any: a bad one must not leave the others half written.
  local tasks = {}
  for i = 2, #args, TASK_ARGS do
    local a = {unpack(args, i, i + TASK_ARGS - 1)}
    local problem = task_problem(a)
    if problem then return bad('task ' .. ((i - 2) / TASK_ARGS + 1) .. ' of the call', '(' .. problem .. ')') end
    if string.sub(a[1], 1, #fid + 1) ~= fid .. '/' then
      return bad('task ' .. a[1], 'does not belong to feature ' .. fid)
    end
    tasks[#tasks + 1] = a
  end
  local blimit = redis.pcall('HGET', K('feature:' .. fid), 'budget')
  if type(blimit) ~= 'string' then
    return bad('feature ' .. fid, 'was not created by submit_feature (or its record is corrupt)')
  end
  if not int(blimit) then blimit = '0' end
  local created, skipped = 0, 0
  for _, a in ipairs(tasks) do
    local gid, ttype, route, priority, budget, retries, deps, artifacts, spec, deadline, sig =
      a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]
    local tkey = K('task:' .. gid)
    if redis.call('EXISTS', tkey) == 1 then
      skipped = skipped + 1
    else
      local unmet, broken, seen = 0, nil, {}
      for _, d in ipairs(split(deps, ',')) do
        local st = task_state(d)
        if seen[d] then
          st = S.SUCCEEDED -- a dependency listed twice counts once
        end
        seen[d] = true
        if st ~= S.SUCCEEDED then
          unmet = unmet + 1
          redis.pcall('SADD', K('dependents:' .. d), gid)
          if st == S.FAILED or st == S.UPSTREAM_FAILED or st == S.CANCELLED then broken = d end
        end
      end
      redis.call('HSET', tkey, 'feature', fid, 'type', ttype, 'route', route, 'priority', priority,
                 'budget', budget, 'retries', retries, 'deps', deps, 'artifacts', artifacts, 'spec', spec, 'sig', sig,
                 'attempt', 0, 'failures', 0, 'lost', 0, 'created', I(NOW), 'blimit', blimit, 'deadline', deadline)
      redis.call('SET', K('deps:' .. gid), I(unmet))
      redis.call('SADD', K('feature_tasks:' .. fid), gid)
      if deadline ~= '' then redis.call('ZADD', K('deadlines'), deadline, gid) end
      add_route(route)
      if broken then
        transition(gid, fid, '', S.UPSTREAM_FAILED, nil, {'reason', 'dependency ' .. broken .. ' failed'})
      elseif unmet == 0 then
        transition(gid, fid, '', S.READY, nil, nil)
        enqueue_ready(gid, route, priority, deadline)
      else
        transition(gid, fid, '', S.BLOCKED, nil, {'waiting_for', unmet})
      end
      created = created + 1
    end
  end
  hincr(K('feature:' .. fid), 'submitted', created)
  local admitted = dispatch_all()
  wake()
  return {'created', created, 'skipped', skipped, 'admitted', admitted}
end)
"""#
}

/// The outcome of submitting a feature.
public struct SubmitResult: Sendable, Equatable {
    /// What happened to the feature.
    public enum Outcome: String, Sendable {
        /// A new feature was created.
        case created
        /// The same plan (idempotency key) was submitted before; nothing was written.
        case duplicate
        /// An earlier submit of this plan was interrupted; the missing tasks were added.
        case resumed
    }
    /// What happened.
    public var outcome: Outcome
    /// The feature id (the earlier one for a duplicate).
    public var feature: String
    /// Tasks created by this call.
    public var created: Int
    /// Tasks admitted to queues right away.
    public var admitted: Int
}

extension SchedulerClient {
    /// Submits a feature and its tasks (in chunks of `chunk`). Safe to repeat: the idempotency
    /// key makes a repeat a `duplicate`, and an interrupted submit resumes where it stopped.
    ///
    /// Every record is checked (``TaskRecord/problem``) before anything is written: one bad
    /// record throws ``SchedulerError/refused(_:_:)`` with ``SchedulerErrorCode/badInput`` and
    /// nothing of the feature is stored.
    /// Artifact paths are stored normalised, so the scheduler's locks see one spelling.
    public func submit(feature: String, description: String, budget: Int, idempotencyKey: String,
                       tasks: [TaskRecord], chunk: Int = 2000, repository: FeatureRepository? = nil) throws(SchedulerError) -> SubmitResult {
        if let p = planIDProblem(feature) { throw .refused(.badInput, "feature id: \(p); nothing was submitted") }
        if !(0...PlanLimits.budget).contains(budget) {
            throw .refused(.badInput, "feature \(feature): budget \(budget) is out of range 0...\(PlanLimits.budget); nothing was submitted")
        }
        var tasks = tasks
        for index in tasks.indices {
            tasks[index].artifacts = tasks[index].artifacts.map(normalizedArtifactPath)
            if let p = tasks[index].problem { throw .refused(.badInput, p + "; nothing was submitted") }
            if !tasks[index].gid.hasPrefix(feature + "/") {
                throw .refused(.badInput, "task \(tasks[index].gid) does not belong to feature \(feature); nothing was submitted")
            }
        }
        let chunk = max(chunk, 1)
        let head = try FunctionReply(call("submit_feature", [feature, idempotencyKey, description, budget, tasks.count]
                                          + (repository?.submitArguments ?? [])), from: "submit_feature")
        let status = try head.string("outcome")
        let fid = try head.string("feature")
        if status == "duplicate" { return SubmitResult(outcome: .duplicate, feature: fid, created: 0, admitted: 0) }
        var created = 0
        var admitted = 0
        var start = 0
        while start < tasks.count {
            var args: [any RedisArgument] = [fid]
            for t in tasks[start..<min(start + chunk, tasks.count)] {
                args += t.submitArguments
            }
            let r = try FunctionReply(call("submit_tasks", args), from: "submit_tasks")
            created += try r.int("created")
            admitted += try r.int("admitted")
            start += chunk
        }
        return SubmitResult(outcome: status == "resume" ? .resumed : .created, feature: fid, created: created, admitted: admitted)
    }
}

