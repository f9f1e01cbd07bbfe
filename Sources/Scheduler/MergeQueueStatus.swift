import RedisKit

/// The merge queue of one feature with a repository, for `status`.
public struct MergeQueueStatus: Sendable, Codable, Equatable {
    /// Feature id.
    public var feature: String
    /// Where merged work lands.
    public var integrationBranch: String
    /// Tasks waiting in `merging` (the first is being merged, or next).
    public var queued: Int
    /// Who holds the queue's lock (a worker id and a token), empty when nobody merges.
    public var merger: String
    /// Why the feature's merges are stopped (a failed integration test), empty when they go on.
    public var stopped: String

    /// The merge queues of every feature that has a repository, in two pipelined round trips.
    public static func gather(_ c: SchedulerClient) throws(SchedulerError) -> [MergeQueueStatus] {
        do {
            let features = (try c.redis.send("SMEMBERS", c.keys.features).array ?? []).compactMap(\.string).sorted()
            var cmds: [RedisCommand] = []
            for f in features {
                cmds.append(RedisCommand("HMGET", c.keys.feature(f), "integration_branch", "merges_stopped"))
                cmds.append(RedisCommand("LLEN", c.keys.mergeQueue(f)))
                cmds.append(RedisCommand("GET", c.keys.mergeLock(f)))
            }
            let r = try c.redis.pipeline(cmds)
            var out: [MergeQueueStatus] = []
            for (i, f) in features.enumerated() {
                let fields = r[3 * i].array ?? []
                guard let branch = fields.first?.string, !branch.isEmpty else { continue }
                out.append(MergeQueueStatus(feature: f, integrationBranch: branch, queued: r[3 * i + 1].int ?? 0,
                                            merger: r[3 * i + 2].string ?? "", stopped: fields.count > 1 ? fields[1].string ?? "" : ""))
            }
            return out
        } catch { throw SchedulerError(error) }
    }
}
