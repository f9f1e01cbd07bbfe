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
/// merge_next: KEYS[1] events · ARGV feature, lock token, worker, lease ms
///   → `{1, gid, attempt, spec, sig, feature, branch, commit}` (the lock is held or renewed), or
///     `{0, 'busy', holder}`, `{0, 'empty'}` (lock released), `{0, 'stopped', reason}` (lock released)
/// merged: ARGV gid, lock token, merged commit, how (`fast-forward`|`merge-commit`|`already`), worker
///   → `{1}` or `{0, refusal}`
/// merge_conflict: ARGV gid, lock token, files (newline separated), reason, worker → `{1}` or `{0, refusal}`
/// merge_stop: ARGV gid, lock token, merged commit, reason, worker → `{1}` or `{0, refusal}`
/// merge_renew: ARGV feature, lock token, lease ms → 1 while the lock is ours, else 0
/// merge_unlock: ARGV feature, lock token → 1 when the lock was ours
/// merge_orphans: ARGV quiet ms → features with a queue untouched for `quiet` ms, no live merger
///   and merges not stopped (the worker that queued a task gets the first chance to merge it)
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

register('merge_next', function(keys, args)
  local feature, token, worker, lease = args[1], args[2], args[3], tonumber(args[4]) or 30000
  local ok, holder = merge_lock(feature, token, lease)
  if not ok then return {0, 'busy', holder} end
  local stopped = redis.call('HGET', K('feature:' .. feature), 'merges_stopped')
  if stopped then
    merge_unlock(feature, token)
    return {0, 'stopped', stopped}
  end
  local qkey = K('merge_queue:' .. feature)
  while true do
    local gid = redis.call('LINDEX', qkey, 0)
    if not gid then
      merge_unlock(feature, token)
      redis.call('ZREM', K('merge_features'), feature)
      return {0, 'empty'}
    end
    local good, t = guarded(gid, load_task, gid, {'spec', 'sig', 'branch', 'commit'})
    if good and t and t.state == S.MERGING then
      redis.call('ZADD', K('merge_features'), NOW, feature)
      emit('merge_started', gid, feature, {'worker', worker, 'branch', t.branch, 'commit', t.commit})
      return {1, gid, t.attempt, t.spec, t.sig, t.feature, t.branch, t.commit}
    end
    redis.call('LPOP', qkey) -- cancelled or quarantined meanwhile: not ours to merge
  end
end)

register('merged', function(keys, args)
  local gid, token, commit, how, worker = args[1], args[2], args[3], args[4], args[5] or ''
  local ok, t, why = guarded(gid, merge_fenced, gid, token, 'merged', worker)
  if not ok or not t then return {0, why or 'quarantined'} end
  merge_settled(gid, t)
  emit('merged', gid, t.feature, {'commit', commit, 'branch', t.branch, 'how', how, 'worker', worker})
  transition(gid, t.feature, S.MERGING, S.SUCCEEDED, {'merged_commit', commit},
             {'merged_commit', commit, 'worker', worker, 'attempt', t.attempt})
  on_success(gid, t)
  dispatch_pass(cnum('dispatch_batch', 256), cnum('dispatch_scan', 1024))
  wake()
  return {1}
end)

register('merge_conflict', function(keys, args)
  local gid, token, files, reason, worker = args[1], args[2], args[3] or '', args[4] or 'merge conflict', args[5] or ''
  local ok, t, why = guarded(gid, merge_fenced, gid, token, 'merge_conflict', worker)
  if not ok or not t then return {0, why or 'quarantined'} end
  merge_settled(gid, t)
  emit('merge_conflict', gid, t.feature, {'files', files, 'branch', t.branch, 'commit', t.commit, 'worker', worker})
  transition(gid, t.feature, S.MERGING, S.NEEDS_HUMAN, {'reason', reason, 'conflict_files', files},
             {'reason', reason, 'files', files, 'branch', t.branch})
  redis.call('ZADD', K('human'), NOW, gid)
  dispatch_pass(cnum('dispatch_batch', 256), cnum('dispatch_scan', 1024))
  wake()
  return {1}
end)

register('merge_stop', function(keys, args)
  local gid, token, commit, reason, worker = args[1], args[2], args[3], args[4] or 'integration tests failed', args[5] or ''
  local ok, t, why = guarded(gid, merge_fenced, gid, token, 'merge_stop', worker)
  if not ok or not t then return {0, why or 'quarantined'} end
  merge_settled(gid, t)
  redis.call('HSET', K('feature:' .. t.feature), 'merges_stopped', reason, 'merges_stopped_by', gid)
  emit('merges_stopped', gid, t.feature, {'reason', reason, 'merged_commit', commit, 'worker', worker})
  transition(gid, t.feature, S.MERGING, S.NEEDS_HUMAN, {'reason', reason, 'merged_commit', commit},
             {'reason', reason, 'merged_commit', commit})
  redis.call('ZADD', K('human'), NOW, gid)
  merge_unlock(t.feature, token)
  dispatch_pass(cnum('dispatch_batch', 256), cnum('dispatch_scan', 1024))
  return {1}
end)

register('merge_renew', function(keys, args)
  local key = K('merge_lock:' .. args[1])
  if redis.call('GET', key) ~= args[2] then return 0 end
  redis.call('PEXPIRE', key, tonumber(args[3]) or 30000)
  return 1
end)

register('merge_unlock', function(keys, args)
  return merge_unlock(args[1], args[2])
end)

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
