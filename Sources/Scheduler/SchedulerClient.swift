import Foundation
import Planner
import RedisKit

/// Typed access to one namespace's scheduler state: each transition's wrapper lives beside its
/// Lua in `Transitions/`. Not `Sendable` (it owns a connection); give each thread its own.
public final class SchedulerClient {
    /// The connection it talks through. Not public: every caller outside this module goes
    /// through a named call, so the scheduler's keys have one writer (tests reach it with
    /// `@testable import Scheduler`).
    let redis: RedisConnection
    /// The namespace's keys.
    public let keys: Keys

    /// Wraps a connection for namespace `namespace` and makes sure the functions library is loaded.
    ///
    /// - Throws: ``SchedulerError/refused(_:_:)`` (``SchedulerErrorCode/badInput``) for a namespace that breaks the key layout
    ///   (`*`, `}`, spaces...; see `Namespace.problem`).
    public init(redis: RedisConnection, namespace: String) throws(SchedulerError) {
        if let problem = Namespace.problem(namespace) { throw .refused(.badInput, problem) }
        self.redis = redis
        self.keys = Keys(namespace: namespace)
        do { try redis.ensureLoaded(SchedulerLibrary.library) } catch { throw SchedulerError(error) }
    }

    /// Calls a function of the library with the namespace's anchor key.
    func call(_ function: String, _ args: [any RedisArgument]) throws(SchedulerError) -> RedisValue {
        do {
            return try redis.fcall(SchedulerLibrary.library, function, keys: [keys.events], args: args)
        } catch {
            throw SchedulerError(error)
        }
    }

    /// Runs a plain command, mapping errors.
    @discardableResult
    func run(_ args: any RedisArgument...) throws(SchedulerError) -> RedisValue {
        try run(RedisCommand(arguments: args))
    }

    /// Runs a plain command, mapping errors.
    @discardableResult
    func run(_ command: RedisCommand) throws(SchedulerError) -> RedisValue {
        do { return try redis.send(command) } catch { throw SchedulerError(error) }
    }

    /// Stores the settings the functions read (replacing earlier ones).
    public func configure(_ settings: SchedulerSettings) throws(SchedulerError) {
        var cmd = RedisCommand("HSET", keys.config)
        for (k, v) in settings.fields { cmd.append(k); cmd.append(v) }
        do {
            _ = try redis.pipeline([RedisCommand("MULTI"), RedisCommand("DEL", keys.config), cmd,
                                    RedisCommand("SET", keys.configVersion, UUID().uuidString), RedisCommand("EXEC")])
        } catch {
            throw SchedulerError(error)
        }
    }

    /// Wakes scheduler loops blocked in `waitForWake` (after a submit or a control change).
    public func wake() throws(SchedulerError) {
        try run("RPUSH", keys.wake, "1")
    }

    /// Blocks up to `seconds` for a wake-up signal; true if one came.
    public func waitForWake(seconds: Double) throws(SchedulerError) -> Bool {
        do {
            let v = try redis.blocking(RedisCommand("BLPOP", keys.wake, max(seconds, 0.001)), blockSeconds: max(seconds, 0.001))
            if !v.isNull { _ = try? redis.send("DEL", keys.wake) }
            return !v.isNull
        } catch {
            throw SchedulerError(error)
        }
    }

    /// The state of one task, nil if unknown.
    public func state(of gid: String) throws(SchedulerError) -> String? {
        try run("HGET", keys.task(gid), "state").string
    }

    /// All fields of a task hash.
    public func taskFields(_ gid: String) throws(SchedulerError) -> [String: String] {
        try run("HGETALL", keys.task(gid)).fieldMap.compactMapValues(\.string)
    }

    /// Task counts by state.
    public func stateCounts() throws(SchedulerError) -> [String: Int] {
        try run("HGETALL", keys.stats).fieldMap.compactMapValues(\.int).filter { $0.value != 0 }
    }

    /// Sets the draining flag: while set, nothing is admitted.
    public func setDraining(_ on: Bool) throws(SchedulerError) {
        // A new config version makes the functions re-read the flag they cache.
        do {
            _ = try redis.pipeline([RedisCommand("MULTI"), RedisCommand("HSET", keys.control, "draining", on ? "1" : "0"),
                                    RedisCommand("SET", keys.configVersion, UUID().uuidString), RedisCommand("EXEC"),
                                    RedisCommand("RPUSH", keys.wake, "1")])
        } catch {
            throw SchedulerError(error)
        }
    }

    /// Sets the desired number of local workers of running orchestrators.
    public func setDesiredWorkers(_ n: Int) throws(SchedulerError) {
        try run("HSET", keys.control, "desired_workers", n)
        try wake()
    }

    /// The control hash: `desired_workers`, `draining`.
    public func control() throws(SchedulerError) -> [String: String] {
        try run("HGETALL", keys.control).fieldMap.compactMapValues(\.string)
    }
}
