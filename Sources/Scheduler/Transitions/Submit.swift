import Planner
import RedisKit

/// `submit_feature` and `submit_tasks`: create a feature and its tasks.
///
/// A plan is validated in Swift before anything is written (an invalid plan writes nothing),
/// and each call checks its own arguments again before it writes: a call with one bad task
/// writes none of its tasks (`BADINPUT ...` error naming the task and field).
/// Large plans go in chunks of `submit_tasks`; a task that already exists is skipped, so an
/// interrupted submit can simply be repeated, and the idempotency key makes a second submit of
/// the same plan a no-op that says so.
///
/// submit_feature: KEYS[1] events · ARGV feature, idempotency key, description, budget, total tasks,
///   then optionally repository URL, base commit, integration branch, integration tests (JSON)
///   (`FeatureRepository`, Merge.swift) → `{'created'|'resume'|'duplicate', feature}`
/// submit_tasks: KEYS[1] events · ARGV feature, then `TASK_ARGS` (11) fields per task:
///   gid, type, route, priority, budget, retries, deps (comma separated gids),
///   artifacts (newline separated, normalised), spec JSON, deadline (ms since the epoch, '' for
///   none), signature (may be empty) → `{created, skipped, admitted}`
enum SubmitTransition {
    /// Fields per task in `submit_tasks`' arguments (keep in step with `TASK_ARGS` in the Lua).
    static let taskArguments = 11

    static let source = #"""
-- Argument checks of the submit functions: the same bounds as the Planner's PlanLimits.
local ID = '^[%w%._%-]+$'
local function bad(what, why) return 'BADINPUT ' .. what .. ' ' .. why .. '; nothing of this call was written' end

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

local TASK_ARGS = 11

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

register('submit_feature', function(keys, args)
  local fid, idem, desc = args[1], args[2], args[3] or ''
  local budget, total = bounded_int(args[4], 0, 1000000000000), bounded_int(args[5], 0, 100000000)
  if not id_ok(fid, 128) then return redis.error_reply(bad('feature id', show(fid) .. ' is not letters, digits, - _ . (at most 128)')) end
  if type(idem) ~= 'string' or #idem == 0 or #idem > 256 then return redis.error_reply(bad('idempotency key', 'must have 1 to 256 bytes')) end
  if not budget then return redis.error_reply(bad('budget', show(args[4]) .. ' is not an integer in 0..1000000000000')) end
  if not total then return redis.error_reply(bad('task count', show(args[5]) .. ' is not an integer')) end
  local fkey = K('feature:' .. fid)
  local known = redis.call('GET', K('idem:' .. idem))
  if known then
    local f = redis.pcall('HMGET', K('feature:' .. known), 'total', 'submitted')
    if f.err then f = {} end
    if (int(f[2]) or 0) < (int(f[1]) or 0) then return {'resume', known} end
    return {'duplicate', known}
  end
  if redis.call('EXISTS', fkey) == 1 then
    return redis.error_reply('FEATUREEXISTS feature ' .. fid .. ' already exists from another plan; give this plan another feature id or cancel the old one')
  end
  redis.call('HSET', fkey, 'id', fid, 'description', desc, 'budget', I(budget), 'total', I(total),
             'submitted', 0, 'remaining', I(total), 'state', 'running', 'created', I(NOW), 'idempotency_key', idem)
  redis.call('HSET', K('budget:' .. fid), 'limit', I(budget), 'reserved', 0, 'used', 0)
  if args[6] and args[6] ~= '' then record_repository(fkey, args) end
  redis.call('SET', K('idem:' .. idem), fid)
  redis.call('SADD', K('features'), fid)
  emit('feature_submitted', '', fid, {'tasks', I(total), 'budget', I(budget), 'description', desc})
  return {'created', fid}
end)

register('submit_tasks', function(keys, args)
  local fid = args[1]
  if not id_ok(fid, 128) then return redis.error_reply(bad('feature id', show(fid) .. ' is not valid')) end
  if (#args - 1) % TASK_ARGS ~= 0 then
    return redis.error_reply(bad('arguments', 'come in groups of ' .. TASK_ARGS .. ' per task, got ' .. (#args - 1)))
  end
  -- Check every task of the call before writing any: a bad one must not leave the others half written.
  local tasks = {}
  for i = 2, #args, TASK_ARGS do
    local a = {unpack(args, i, i + TASK_ARGS - 1)}
    local problem = task_problem(a)
    if problem then return redis.error_reply(bad('task ' .. ((i - 2) / TASK_ARGS + 1) .. ' of the call', '(' .. problem .. ')')) end
    if string.sub(a[1], 1, #fid + 1) ~= fid .. '/' then
      return redis.error_reply(bad('task ' .. a[1], 'does not belong to feature ' .. fid))
    end
    tasks[#tasks + 1] = a
  end
  local blimit = redis.pcall('HGET', K('feature:' .. fid), 'budget')
  if type(blimit) ~= 'string' then
    return redis.error_reply(bad('feature ' .. fid, 'was not created by submit_feature (or its record is corrupt)'))
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
    /// When the task should be done, ms since 1970 (nil: no deadline). Past it, the tick emits
    /// `deadline_missed` if the task has not finished; as it nears, the task ranks higher.
    public var deadlineMs: Int?
    /// The submitter's signature over `specJSON`, `gid` and the feature (``SpecSignature``);
    /// empty when unsigned.
    public var signature: String

    /// Creates a record.
    public init(gid: String, type: String, route: String = "any", priority: Int = 0, budget: Int = 0, retries: Int = 0,
                dependsOn: [String] = [], artifacts: [String] = [], specJSON: String = "{}", deadlineMs: Int? = nil,
                signature: String = "") {
        self.gid = gid
        self.type = type
        self.route = route
        self.priority = priority
        self.budget = budget
        self.retries = retries
        self.dependsOn = dependsOn
        self.artifacts = artifacts
        self.specJSON = specJSON
        self.deadlineMs = deadlineMs
        self.signature = signature
    }

    /// Why the scheduler must not store this record, or nil: the bounds of ``PlanLimits`` (ids,
    /// names, numbers) and paths that are not repo-relative. Artifacts are compared normalised.
    public var problem: String? {
        let parts = gid.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, planIDProblem(String(parts[0])) == nil, planIDProblem(String(parts[1])) == nil else {
            return "task id '\(terminalSafe(gid))' is not feature/task with letters, digits, '-', '_' and '.' (at most \(PlanLimits.idLength) each)"
        }
        if let p = planNameProblem(type, what: "task type") { return "task \(gid): \(p)" }
        if !(route == "any" || route.hasPrefix("m:") || route.hasPrefix("c:")) || route.utf8.count > 4096 {
            return "task \(gid): '\(terminalSafe(route))' is not a route"
        }
        if !PlanLimits.priority.contains(priority) { return "task \(gid): priority \(priority) is out of range \(PlanLimits.priority)" }
        if !(0...PlanLimits.budget).contains(budget) { return "task \(gid): budget \(budget) is out of range 0...\(PlanLimits.budget)" }
        if !(0...PlanLimits.retries).contains(retries) { return "task \(gid): retries \(retries) is out of range 0...\(PlanLimits.retries)" }
        for d in dependsOn where d.split(separator: "/").count != 2 || planIDProblem(String(d.split(separator: "/").last ?? "")) != nil {
            return "task \(gid): dependency '\(terminalSafe(d))' is not a task id"
        }
        for a in artifacts {
            if let p = artifactPathProblem(a) { return "task \(gid): artifact \(p)" }
        }
        if let d = deadlineMs, !PlanLimits.deadline.contains(Double(d) / 1000) {
            return "task \(gid): deadline \(d) ms is out of range (years 2000 to 9999)"
        }
        return nil
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
    ///
    /// Every record is checked (``TaskRecord/problem``) before anything is written: one bad
    /// record throws ``SchedulerError/invalidInput(_:)`` and nothing of the feature is stored.
    /// Artifact paths are stored normalised, so the scheduler's locks see one spelling.
    public func submit(feature: String, description: String, budget: Int, idempotencyKey: String,
                       tasks: [TaskRecord], chunk: Int = 2000, repository: FeatureRepository? = nil) throws(SchedulerError) -> SubmitResult {
        if let p = planIDProblem(feature) { throw .invalidInput("feature id: \(p); nothing was submitted") }
        if !(0...PlanLimits.budget).contains(budget) {
            throw .invalidInput("feature \(feature): budget \(budget) is out of range 0...\(PlanLimits.budget); nothing was submitted")
        }
        var tasks = tasks
        for index in tasks.indices {
            tasks[index].artifacts = tasks[index].artifacts.map(normalizedArtifactPath)
            if let p = tasks[index].problem { throw .invalidInput(p + "; nothing was submitted") }
            if !tasks[index].gid.hasPrefix(feature + "/") {
                throw .invalidInput("task \(tasks[index].gid) does not belong to feature \(feature); nothing was submitted")
            }
        }
        let chunk = max(chunk, 1)
        let head = try call("submit_feature", [feature, idempotencyKey, description, budget, tasks.count]
                            + (repository?.submitArguments ?? [])).array ?? []
        let status = head.first?.string ?? ""
        let fid = head.count > 1 ? head[1].string ?? feature : feature
        if status == "duplicate" { return SubmitResult(outcome: .duplicate, feature: fid, created: 0, admitted: 0) }
        var created = 0
        var admitted = 0
        var start = 0
        while start < tasks.count {
            var args: [any RedisArgument] = [fid]
            for t in tasks[start..<min(start + chunk, tasks.count)] {
                args += t.submitArguments
            }
            let r = try call("submit_tasks", args).array ?? []
            created += r.first?.int ?? 0
            admitted += r.count > 2 ? r[2].int ?? 0 : 0
            start += chunk
        }
        return SubmitResult(outcome: status == "resume" ? .resumed : .created, feature: fid, created: created, admitted: admitted)
    }
}

extension TaskRecord {
    /// This task's `submit_tasks` arguments, in the order the Lua reads them
    /// (`SubmitTransition.taskArguments` of them). For callers that add tasks to a feature in
    /// their own calls, such as the latency benchmark.
    public var submitArguments: [any RedisArgument] {
        let fields: [any RedisArgument] = [gid, type, route, priority, budget, retries,
                                           dependsOn.joined(separator: ","), artifacts.joined(separator: "\n"), specJSON,
                                           deadlineMs.map(String.init) ?? "", signature]
        assert(fields.count == SubmitTransition.taskArguments)
        return fields
    }
}
