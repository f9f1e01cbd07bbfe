extension Keys {
    /// The merge queue of a feature: gids in `merging`, oldest first (list).
    public func mergeQueue(_ feature: String) -> String { prefix + "merge_queue:" + feature }
    /// The lease lock of a feature's merge queue: the merger's token (string with a TTL).
    public func mergeLock(_ feature: String) -> String { prefix + "merge_lock:" + feature }
    /// Features whose merge queue is not empty, scored by last activity (zset).
    public var mergeFeatures: String { prefix + "merge_features" }
}
