import RedisKit

/// The merge queue: a repository task that succeeded waits in `merging` (its artifact locks
/// still held) on its feature's queue until a worker lands its branch on the integration
/// branch. One merger at a time per feature, chosen by a lease lock with a token (no leader);
/// a merger that dies simply lets its lock expire and the next worker, or `up`'s loop, goes on.
///
/// Keys: `merge_queue:<f>` (list of gids, oldest first), `merge_lock:<f>` (the holder's token,
/// with a lease), `merge_features` (zset: features whose queue is not empty, scored by the
/// last time a task was queued or handed to a merger). Feature hash
/// fields: `repository`, `base_commit`, `integration_branch`, `integration_tests`,
/// `merges_stopped` and `merges_stopped_by` (while a failed integration test holds the queue).
///
/// Contracts: above each `register` below.
enum MergeTransition {
    static let source = #"""
-- Called by submit_feature: the feature's repository as the submitter prepared it.
local function record_repository(fkey, args)
  redis.call('HSET', fkey, 'repository', args[6], 'base_commit', args[7] or '', 'integration_branch', args[8] or '',
             'integration_tests', args[9] or '')
end

-- Called by complete for a repository task that succeeded, after `release`: its artifact
-- locks are taken back in the same call (nobody sees them free: a later writer of the same
-- paths must start from the merged head), and it waits on its feature's merge queue.
local function queue_merge(gid, t, worker, settled, usage, branch, commit)
  take_locks(gid, split(t.artifacts, '\n'))
  for _, v in ipairs({'branch', branch, 'commit', commit}) do settled[#settled + 1] = v end
  transition(gid, t.feature, S.RUNNING, S.MERGING, settled,
             {'usage', usage, 'worker', worker, 'attempt', t.attempt, 'branch', branch, 'commit', commit})
  local n = redis.call('RPUSH', K('merge_queue:' .. t.feature), gid)
  redis.call('ZADD', K('merge_features'), NOW, t.feature)
  emit('merge_queued', gid, t.feature, {'branch', branch, 'commit', commit, 'position', n})
end

-- The lock of a feature's queue is ours (or free, and now ours) for `lease` ms more.
local function merge_lock(feature, token, lease)
  local key = K('merge_lock:' .. feature)
  local holder = redis.call('GET', key)
  if holder and holder ~= token then return false, holder end
  redis.call('SET', key, token, 'PX', lease)
  return true
end

local function merge_unlock(feature, token)
  local key = K('merge_lock:' .. feature)
  if redis.call('GET', key) == token then redis.call('DEL', key) return 1 end
  return 0
end

-- A settling call of a merger: the lock must still be its own and the task the queue's head.
local function merge_fenced(gid, token, action, worker)
  local t = load_task(gid, {'branch', 'commit'})
  if not t then return nil, 'no such task' end
  local head = redis.call('LINDEX', K('merge_queue:' .. t.feature), 0)
  if redis.call('GET', K('merge_lock:' .. t.feature)) ~= token or t.state ~= S.MERGING or head ~= gid then
    emit('stale_refused', gid, t.feature, {'worker', worker, 'action', action, 'current_state', t.state})
    return nil, 'stale: the merge lock or the queue moved on (task is ' .. t.state .. ')'
  end
  return t
end

-- The queue's head is settled: off the queue, locks released.
local function merge_settled(gid, t)
  redis.call('LPOP', K('merge_queue:' .. t.feature))
  release_locks(gid, split(t.artifacts, '\n'))
end

-- cancel of a merging task: off its queue, its locks released.
local function merge_cancelled(gid, t)
  redis.call('LREM', K('merge_queue:' .. t.feature), 0, gid)
  release_locks(gid, split(t.artifacts, '\n'))
end

-- resolve of the task whose failed integration tests stopped its feature's merges lets the
-- queue go on; the next worker or `up` picks it up.
local function merge_resolved(gid, feature)
  local fkey = K('feature:' .. feature)
  if redis.call('HGET', fkey, 'merges_stopped_by') == gid then
    redis.call('HDEL', fkey, 'merges_stopped', 'merges_stopped_by')
    emit('merges_resumed', gid, feature, {'reason', 'resolved'})
  end
end

--[[ merge_next: takes (or renews) the lock of a feature's merge queue and hands out its head.
  KEYS[1]  events stream
  ARGV[1]  feature id
  ARGV[2]  lock token (the merger's own, random)
  ARGV[3]  worker id
  ARGV[4]  lease ms of the lock (default 30000)
  Reply    {'claimed', 1, 'gid', gid, 'attempt', n, 'spec', json, 'sig', signature, 'feature', f,
           'branch', name, 'commit', id}: the lock is ours for the lease
           {'claimed', 0, 'status', 'busy', 'holder', token}: another merger holds the lock
           {'claimed', 0, 'status', 'empty'}: nothing to merge (lock released)
           {'claimed', 0, 'status', 'stopped', 'reason', text}: failed integration tests stopped
           the feature's merges until a person resolves (lock released)
  Errors   none
  Writes   merge_lock:<f>, merge_queue:<f> (cancelled or quarantined heads dropped),
           merge_features; event merge_started
]]
register('merge_next', function(keys, args)
  local feature, token, worker, lease = args[1], args[2], args[3], tonumber(args[4]) or 30000
  local ok, holder = merge_lock(feature, token, lease)
  if not ok then return {'claimed', 0, 'status', 'busy', 'holder', holder} end
  local stopped = redis.call('HGET', K('feature:' .. feature), 'merges_stopped')
  if stopped then
    merge_unlock(feature, token)
    return {'claimed', 0, 'status', 'stopped', 'reason', stopped}
  end
  local qkey = K('merge_queue:' .. feature)
  while true do
    local gid = redis.call('LINDEX', qkey, 0)
    if not gid then
      merge_unlock(feature, token)
      redis.call('ZREM', K('merge_features'), feature)
      return {'claimed', 0, 'status', 'empty'}
    end
    local good, t = guarded(gid, load_task, gid, {'spec', 'sig', 'branch', 'commit'})
    if good and t and t.state == S.MERGING then
      redis.call('ZADD', K('merge_features'), NOW, feature)
      emit('merge_started', gid, feature, {'worker', worker, 'branch', t.branch, 'commit', t.commit})
      return {'claimed', 1, 'gid', gid, 'attempt', int(t.attempt), 'spec', t.spec, 'sig', t.sig, 'feature', t.feature,
              'branch', t.branch, 'commit', t.commit}
    end
    redis.call('LPOP', qkey) -- cancelled or quarantined meanwhile: not ours to merge
  end
end)

--[[ merged: the merger landed the queue's head on the integration branch.
  KEYS[1]  events stream
  ARGV[1]  gid (the queue's head)
  ARGV[2]  lock token
  ARGV[3]  the merged commit
  ARGV[4]  how: 'fast-forward', 'merge-commit' or 'already'
  ARGV[5]  worker id
  Reply    {'ok', 1}
           {'ok', 0, 'refusal', text}: the lock or the queue moved on (also a stale_refused
           event), no such task, or a corrupt record (quarantined)
  Errors   none
  Writes   merge_queue:<f>, locks, lock_owners, task:<gid> (state succeeded, merged_commit),
           feature:<f>, dependents readied, stats; events merged, succeeded; then what dispatch
           writes; wake
]]
register('merged', function(keys, args)
  local gid, token, commit, how, worker = args[1], args[2], args[3], args[4], args[5] or ''
  local ok, t, why = guarded(gid, merge_fenced, gid, token, 'merged', worker)
  if not ok or not t then return {'ok', 0, 'refusal', why or 'quarantined: the task record is corrupt'} end
  merge_settled(gid, t)
  emit('merged', gid, t.feature, {'commit', commit, 'branch', t.branch, 'how', how, 'worker', worker})
  transition(gid, t.feature, S.MERGING, S.SUCCEEDED, {'merged_commit', commit},
             {'merged_commit', commit, 'worker', worker, 'attempt', t.attempt})
  on_success(gid, t)
  dispatch_all()
  wake()
  return {'ok', 1}
end)

--[[ merge_conflict: the queue's head conflicts with the integration branch.
  KEYS[1]  events stream
  ARGV[1]  gid (the queue's head)
  ARGV[2]  lock token
  ARGV[3]  conflicting files, newline separated
  ARGV[4]  reason (default 'merge conflict')
  ARGV[5]  worker id
  Reply    {'ok', 1}, or {'ok', 0, 'refusal', text} as for merged
  Errors   none
  Writes   merge_queue:<f>, locks, lock_owners, task:<gid> (state needs_human, reason,
           conflict_files), human, stats; events merge_conflict, needs_human; then what dispatch
           writes; wake
]]
register('merge_conflict', function(keys, args)
  local gid, token, files, reason, worker = args[1], args[2], args[3] or '', args[4] or 'merge conflict', args[5] or ''
  local ok, t, why = guarded(gid, merge_fenced, gid, token, 'merge_conflict', worker)
  if not ok or not t then return {'ok', 0, 'refusal', why or 'quarantined: the task record is corrupt'} end
  merge_settled(gid, t)
  emit('merge_conflict', gid, t.feature, {'files', files, 'branch', t.branch, 'commit', t.commit, 'worker', worker})
  transition(gid, t.feature, S.MERGING, S.NEEDS_HUMAN, {'reason', reason, 'conflict_files', files},
             {'reason', reason, 'files', files, 'branch', t.branch})
  redis.call('ZADD', K('human'), NOW, gid)
  dispatch_all()
  wake()
  return {'ok', 1}
end)

--[[ merge_stop: integration tests failed after the head was merged; the feature's merges stop.
  KEYS[1]  events stream
  ARGV[1]  gid (the queue's head)
  ARGV[2]  lock token
  ARGV[3]  the merged commit
  ARGV[4]  reason (default 'integration tests failed')
  ARGV[5]  worker id
  Reply    {'ok', 1}, or {'ok', 0, 'refusal', text} as for merged
  Errors   none
  Writes   merge_queue:<f>, locks, lock_owners, feature:<f> (merges_stopped, merges_stopped_by),
           task:<gid> (state needs_human, reason, merged_commit), human, merge_lock:<f>, stats;
           events merges_stopped, needs_human; then what dispatch writes
]]
register('merge_stop', function(keys, args)
  local gid, token, commit, reason, worker = args[1], args[2], args[3], args[4] or 'integration tests failed', args[5] or ''
  local ok, t, why = guarded(gid, merge_fenced, gid, token, 'merge_stop', worker)
  if not ok or not t then return {'ok', 0, 'refusal', why or 'quarantined: the task record is corrupt'} end
  merge_settled(gid, t)
  redis.call('HSET', K('feature:' .. t.feature), 'merges_stopped', reason, 'merges_stopped_by', gid)
  emit('merges_stopped', gid, t.feature, {'reason', reason, 'merged_commit', commit, 'worker', worker})
  transition(gid, t.feature, S.MERGING, S.NEEDS_HUMAN, {'reason', reason, 'merged_commit', commit},
             {'reason', reason, 'merged_commit', commit})
  redis.call('ZADD', K('human'), NOW, gid)
  merge_unlock(t.feature, token)
  dispatch_all()
  return {'ok', 1}
end)

--[[ merge_renew: extends the merger's lock.
  KEYS[1]  events stream
  ARGV[1]  feature id
  ARGV[2]  lock token
  ARGV[3]  lease ms (default 30000)
  Reply    1 while the lock is ours, else 0
  Errors   none
  Writes   merge_lock:<f> (its expiry)
]]
register('merge_renew', function(keys, args)
  local key = K('merge_lock:' .. args[1])
  if redis.call('GET', key) ~= args[2] then return 0 end
  redis.call('PEXPIRE', key, tonumber(args[3]) or 30000)
  return 1
end)

--[[ merge_unlock: gives up the lock if it is still ours.
  KEYS[1]  events stream
  ARGV[1]  feature id
  ARGV[2]  lock token
  Reply    1 when the lock was ours (and is released), else 0
  Errors   none
  Writes   merge_lock:<f>
]]
register('merge_unlock', function(keys, args)
  return merge_unlock(args[1], args[2])
end)

--[[ merge_orphans: features whose merge queue waits with nobody holding its lock.
  KEYS[1]  events stream
  ARGV[1]  quiet ms: only queues untouched that long (default 2000; the worker that queued a
           task gets the first chance to merge it)
  Reply    a list of feature ids (no live merger, merges not stopped)
  Errors   none
  Writes   nothing
]]
register('merge_orphans', function(keys, args)
  local out = {}
  local quiet = tonumber(args[1]) or 2000
  for _, f in ipairs(redis.call('ZRANGEBYSCORE', K('merge_features'), '-inf', NOW - quiet)) do
    if redis.call('EXISTS', K('merge_lock:' .. f)) == 0
       and not redis.call('HGET', K('feature:' .. f), 'merges_stopped') then
      out[#out + 1] = f
    end
  end
  return out
end)
"""#
}
