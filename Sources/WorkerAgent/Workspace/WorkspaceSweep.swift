import Foundation
import Scheduler

extension Workspaces {
    /// One pass over this host's worktrees:
    ///
    /// 1. a worktree whose marker says `active` but whose lock is free belongs to a killed
    ///    attempt: removed (the next attempt, here or on any host, starts from a fresh one);
    /// 2. discard requests for this host (`orchestrator discard`) are carried out;
    /// 3. each waiting or kept worktree is compared with its task: merged at this attempt →
    ///    removed; merged by another attempt → `merged` (evicted first); sent to a person or
    ///    failed → `kept`, with the task's reason;
    /// 4. every remaining record is written to Redis again (a lost write heals), and the host
    ///    is trimmed to `max_workspaces`.
    ///
    /// Steps 2–4 need Redis (skipped without a recorder). Returns what it removed, by record id.
    @discardableResult
    public func sweep() -> [String] {
        var removed: [String] = []
        for r in localRecords() where r.state == .active {
            let lock = FileLock(path: WorkspaceFiles.lock(r.path))
            guard (try? lock.tryLock()) == true else { continue }
            lock.unlock()
            if remove(r, why: "its attempt was killed (worker gone)") { removed.append(r.id) }
        }
        guard let recorder else { return removed }
        let discards = recorder.withClient { (c) throws(SchedulerError) in try c.takeWorkspaceDiscards(host: host) } ?? []
        for id in discards {
            let local = localRecords().filter { $0.id == id }
            // Already gone from this host: only the record is left to forget.
            if local.isEmpty { recorder.forget(id: id) }
            for r in local where discard(r) { removed.append(r.id) }
        }
        var republish: [WorkspaceRecord] = []
        for var r in localRecords() where r.state != .active {
            guard let fields = recorder.withClient({ (c) throws(SchedulerError) in try c.taskFields(r.gid) }) else { break }
            let state = fields["state"] ?? ""
            let current = Int(fields["attempt"] ?? "") ?? 0
            var next = r.state
            var why = r.why
            if fields.isEmpty {
                next = .merged
                why = "its task is gone from Redis"
            } else if state == "succeeded" {
                if current == r.attempt && r.state == .awaitingMerge {
                    if remove(r, why: "merged") { removed.append(r.id) }
                    continue
                }
                next = .merged
                why = current == r.attempt ? "merged" : "attempt \(current) was merged"
            } else if r.state == .awaitingMerge, current == r.attempt,
                      ["needs_human", "failed", "cancelled", "upstream_failed"].contains(state) {
                next = .kept
                why = "\(state): \(fields["reason"] ?? "")"
            }
            if next != r.state || why != r.why {
                r.state = next
                r.why = why
                r.updated = Date().timeIntervalSince1970
                let lock = FileLock(path: WorkspaceFiles.lock(r.path))
                if (try? lock.tryLock()) == true {
                    try? WorkspaceFiles.writeMarker(r)
                    lock.unlock()
                }
            }
            republish.append(r)
        }
        _ = recorder.withClient { (c) throws(SchedulerError) in try c.recordWorkspaces(republish) }
        let before = Set(localRecords().map(\.id))
        evictIfFull(leaveRoomForOne: false)
        removed += before.subtracting(localRecords().map(\.id)).sorted()
        return removed
    }
}
