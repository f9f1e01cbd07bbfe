import RedisKit

/// `submit_feature` and `submit_tasks`: create a feature and its tasks.
///
/// A plan is validated in Swift before anything is written (an invalid plan writes nothing).
/// Large plans go in chunks of `submit_tasks`; a task that already exists is skipped, so an
/// interrupted submit can simply be repeated, and the idempotency key makes a second submit of
/// the same plan a no-op that says so.
///
/// submit_feature: KEYS[1] events · ARGV feature, idempotency key, description, budget, total tasks
///   → `{'created'|'resume'|'duplicate', feature}`
/// submit_tasks: KEYS[1] events · ARGV feature, then 10 fields per task:
///   gid, type, route, priority, budget, retries, deps (comma separated gids),
///   artifacts (newline separated), spec JSON, signature (may be empty) → `{created, skipped, admitted}`
enum SubmitTransition {
    static let source = #"""
register('submit_feature', function(keys, args)
  local fid, idem, desc, budget, total = args[1], args[2], args[3], tonumber(args[4]) or 0, tonumber(args[5]) or 0
  local fkey = K('feature:' .. fid)
  local known = redis.call('GET', K('idem:' .. idem))
  if known then
    local f = redis.call('HMGET', K('feature:' .. known), 'total', 'submitted')
    if tonumber(f[2] or 0) < tonumber(f[1] or 0) then return {'resume', known} end
    return {'duplicate', known}
  end
  if redis.call('EXISTS', fkey) == 1 then
    return redis.error_reply('FEATUREEXISTS feature ' .. fid .. ' already exists from another plan; give this plan another feature id or cancel the old one')
  end
  redis.call('HSET', fkey, 'id', fid, 'description', desc, 'budget', budget, 'total', total,
             'submitted', 0, 'remaining', total, 'state', 'running', 'created', NOW, 'idempotency_key', idem)
  redis.call('HSET', K('budget:' .. fid), 'limit', budget, 'reserved', 0, 'used', 0)
  redis.call('SET', K('idem:' .. idem), fid)
  redis.call('SADD', K('features'), fid)
  emit('feature_submitted', '', fid, {'tasks', total, 'budget', budget, 'description', desc})
  return {'created', fid}
end)

register('submit_tasks', function(keys, args)
  local fid = args[1]
  local blimit = redis.call('HGET', K('feature:' .. fid), 'budget') or '0'
  local created, skipped = 0, 0
  local i = 2
  while i + 9 <= #args do
    local gid, ttype, route, priority, budget, retries, deps, artifacts, spec =
      args[i], args[i + 1], args[i + 2], args[i + 3], args[i + 4], args[i + 5], args[i + 6], args[i + 7], args[i + 8]
    local sig = args[i + 9]
    i = i + 10
    local tkey = K('task:' .. gid)
    if redis.call('EXISTS', tkey) == 1 then
      skipped = skipped + 1
    else
      local unmet, broken, seen = 0, nil, {}
      for _, d in ipairs(split(deps, ',')) do
        local st = redis.call('HGET', K('task:' .. d), 'state')
        if seen[d] then
          st = 'succeeded' -- a dependency listed twice counts once
        end
        seen[d] = true
        if st ~= 'succeeded' then
          unmet = unmet + 1
          redis.call('SADD', K('dependents:' .. d), gid)
          if st == 'failed' or st == 'upstream_failed' or st == 'cancelled' then broken = d end
        end
      end
      redis.call('HSET', tkey, 'feature', fid, 'type', ttype, 'route', route, 'priority', priority,
                 'budget', budget, 'retries', retries, 'deps', deps, 'artifacts', artifacts, 'spec', spec, 'sig', sig,
                 'attempt', 0, 'failures', 0, 'lost', 0, 'created', NOW, 'blimit', blimit)
      redis.call('SET', K('deps:' .. gid), unmet)
      redis.call('SADD', K('feature_tasks:' .. fid), gid)
      add_route(route)
      if broken then
        transition(gid, fid, '', 'upstream_failed', nil, {'reason', 'dependency ' .. broken .. ' failed'})
      elseif unmet == 0 then
        transition(gid, fid, '', 'ready', nil, nil)
        enqueue_ready(gid, route, priority)
      else
        transition(gid, fid, '', 'blocked', nil, {'waiting_for', unmet})
      end
      created = created + 1
    end
  end
  redis.call('HINCRBY', K('feature:' .. fid), 'submitted', created)
  local admitted = dispatch_pass(cnum('dispatch_batch', 256), cnum('dispatch_scan', 1024))
  wake()
  return {created, skipped, admitted}
end)
"""#
}

/// One task as the scheduler stores it: the fields the functions need, plus the full spec JSON
/// that workers decode.
public struct TaskRecord: Sendable, Equatable {
    /// Global id, `feature/task`.
    public var gid: String
    /// Task type (limits and defaults come from it).
    public var type: String
    /// Route queue: `any`, `m:<host>` or `c:<cap,cap>`.
    public var route: String
    /// Higher runs sooner (ages against waiting time).
    public var priority: Int
    /// Estimated tokens reserved from the feature budget while it runs.
    public var budget: Int
    /// Retries allowed after the task's own failures.
    public var retries: Int
    /// Global ids of dependencies.
    public var dependsOn: [String]
    /// Artifact paths it writes (directories end in `/`).
    public var artifacts: [String]
    /// The full task spec as JSON (what workers run).
    public var specJSON: String
    /// The submitter's signature over `specJSON`, `gid` and the feature (``SpecSignature``);
    /// empty when unsigned.
    public var signature: String

    /// Creates a record.
    public init(gid: String, type: String, route: String = "any", priority: Int = 0, budget: Int = 0, retries: Int = 0,
                dependsOn: [String] = [], artifacts: [String] = [], specJSON: String = "{}", signature: String = "") {
        self.gid = gid
        self.type = type
        self.route = route
        self.priority = priority
        self.budget = budget
        self.retries = retries
        self.dependsOn = dependsOn
        self.artifacts = artifacts
        self.specJSON = specJSON
        self.signature = signature
    }

    /// This record signed by `signer` as a task of `feature` (unchanged when `signer` is nil).
    public func signed(by signer: SpecSigner?, feature: String) throws(SigningError) -> TaskRecord {
        guard let signer else { return self }
        var copy = self
        copy.signature = try signer.sign(gid: gid, feature: feature, specJSON: specJSON)
        return copy
    }

    /// The route for a task's placement needs: a target machine wins, then required
    /// capabilities (sorted, so equal sets share a queue), else `any`.
    public static func route(machine: String?, requires: [String]) -> String {
        if let m = machine, !m.isEmpty { return "m:" + m }
        if requires.isEmpty { return "any" }
        return "c:" + Array(Set(requires)).sorted().joined(separator: ",")
    }
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
    public func submit(feature: String, description: String, budget: Int, idempotencyKey: String,
                       tasks: [TaskRecord], chunk: Int = 2000) throws(SchedulerError) -> SubmitResult {
        let head = try call("submit_feature", [feature, idempotencyKey, description, budget, tasks.count]).array ?? []
        let status = head.first?.string ?? ""
        let fid = head.count > 1 ? head[1].string ?? feature : feature
        if status == "duplicate" { return SubmitResult(outcome: .duplicate, feature: fid, created: 0, admitted: 0) }
        var created = 0
        var admitted = 0
        var start = 0
        while start < tasks.count {
            var args: [any RedisArgument] = [fid]
            for t in tasks[start..<min(start + chunk, tasks.count)] {
                args += [t.gid, t.type, t.route, t.priority, t.budget, t.retries,
                         t.dependsOn.joined(separator: ","), t.artifacts.joined(separator: "\n"), t.specJSON, t.signature]
            }
            let r = try call("submit_tasks", args).array ?? []
            created += r.first?.int ?? 0
            admitted += r.count > 2 ? r[2].int ?? 0 : 0
            start += chunk
        }
        return SubmitResult(outcome: status == "resume" ? .resumed : .created, feature: fid, created: created, admitted: admitted)
    }
}
