import CHiredis
import Foundation
import SwarmSupport

/// Timeouts and reconnect policy of a connection.
public struct RedisOptions: Sendable, Equatable {
    /// Seconds allowed to establish a connection.
    public var connectTimeout: Double
    /// Seconds allowed for any single reply; blocking commands add their own block time to it.
    public var commandTimeout: Double
    /// Delay between reconnect attempts after consecutive failures (calls in between fail fast).
    public var reconnect: Backoff
    /// Sent as `CLIENT SETNAME` after connecting, so `CLIENT LIST` shows who is who.
    public var clientName: String?

    /// Creates options; the defaults suit a local Redis.
    public init(connectTimeout: Double = 2, commandTimeout: Double = 5,
                reconnect: Backoff = Backoff(base: 0.05, max: 2), clientName: String? = nil) {
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.reconnect = reconnect
        self.clientName = clientName
    }
}

/// One synchronous connection to Redis over hiredis.
///
/// Not `Sendable`: a hiredis context must be used by one thread at a time. Create it on the thread
/// that uses it, or move it with `sending`; `RedisPool` hands connections to threads safely.
///
/// After the link drops (server restart, network failure, timeout) the call that saw it throws a
/// connection error and the context is discarded; the next call reconnects (with AUTH and SELECT
/// again). Failed reconnects back off exponentially; calls made while backing off fail at once
/// with `connectionFailed`, so nothing hangs on a dead server.
public final class RedisConnection {
    /// Where this connection goes.
    public let url: RedisURL
    /// Its timeouts and reconnect policy.
    public let options: RedisOptions
    /// How many times a dropped link has been re-established (for tests and status).
    public private(set) var reconnectCount = 0

    private var context: UnsafeMutablePointer<redisContext>?
    private var everConnected = false
    private var consecutiveFailures = 0
    private var nextAttemptAt = 0.0
    private var lastFailure = ""

    /// Connects at once; throws `connectionFailed` or `authenticationFailed` when that is impossible.
    public init(url: RedisURL, options: RedisOptions = RedisOptions()) throws(RedisError) {
        self.url = url
        self.options = options
        _ = try liveContext()
    }

    /// Parses `urlText` and connects.
    public convenience init(_ urlText: String, options: RedisOptions = RedisOptions()) throws(RedisError) {
        try self.init(url: RedisURL(parsing: urlText), options: options)
    }

    deinit {
        if let c = context { redisFree(c) }
    }

    /// Drops the connection now; the next call reconnects.
    public func close() {
        if let c = context { redisFree(c) }
        context = nil
    }

    // MARK: Commands

    /// Runs one command; an error reply is thrown as `RedisError.server` with Redis's message.
    @discardableResult
    public func send(_ command: RedisCommand) throws(RedisError) -> RedisValue {
        let value = try sendRaw(command)
        if case let .error(message) = value { throw .server(message: message) }
        return value
    }

    /// Runs one command given as arguments: `try redis.send("SET", "k", "v")`.
    @discardableResult
    public func send(_ args: any RedisArgument...) throws(RedisError) -> RedisValue {
        try send(RedisCommand(arguments: args))
    }

    /// Runs one command and returns its reply as is, error replies included.
    public func sendRaw(_ command: RedisCommand) throws(RedisError) -> RedisValue {
        let c = try liveContext()
        let raw = command.withArgv { argc, argv, lens in redisCommandArgv(c, argc, argv, lens) }
        guard let raw else { throw dropContext(c) }
        defer { freeReplyObject(raw) }
        return RedisConnection.decode(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Sends all commands in one write and reads all replies: one round trip. Error replies stay
    /// in place in the result (a pipeline may partly fail); a broken link throws.
    public func pipeline(_ commands: [RedisCommand]) throws(RedisError) -> [RedisValue] {
        if commands.isEmpty { return [] }
        let c = try liveContext()
        for command in commands {
            let rc = command.withArgv { argc, argv, lens in redisAppendCommandArgv(c, argc, argv, lens) }
            if rc != REDIS_OK { throw dropContext(c) }
        }
        var replies = [RedisValue]()
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            if redisGetReply(c, &raw) != REDIS_OK || raw == nil { throw dropContext(c) }
            replies.append(RedisConnection.decode(raw!.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
        return replies
    }

    /// Runs a blocking command (`BLMPOP`, `BZPOPMIN`, `XREADGROUP ... BLOCK`) whose server-side
    /// block lasts up to `blockSeconds`: the socket timeout is widened by that much for this call
    /// only, so a long block does not trip the command timeout. Error replies are thrown.
    public func blocking(_ command: RedisCommand, blockSeconds: Double) throws(RedisError) -> RedisValue {
        precondition(blockSeconds > 0, "a blocking call needs a finite block time")
        let c = try liveContext()
        RedisConnection.setTimeout(c, blockSeconds + options.commandTimeout)
        let value = try sendRaw(command)
        if context == c { RedisConnection.setTimeout(c, options.commandTimeout) }
        if case let .error(message) = value { throw .server(message: message) }
        return value
    }

    // MARK: Connecting

    private func liveContext() throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        if let c = context { return c }
        let now = Monotonic.now()
        if consecutiveFailures > 0 && now < nextAttemptAt {
            let wait = Int(((nextAttemptAt - now) * 1000).rounded(.up))
            throw .connectionFailed(address: url.address, reason: "\(lastFailure) (next reconnect attempt in \(wait) ms)")
        }
        do {
            let c = try openContext()
            if everConnected { reconnectCount += 1 }
            everConnected = true
            consecutiveFailures = 0
            context = c
            return c
        } catch {
            consecutiveFailures += 1
            nextAttemptAt = Monotonic.now() + options.reconnect.delay(attempt: consecutiveFailures)
            if case let .connectionFailed(_, reason) = error { lastFailure = reason }
            throw error
        }
    }

    private func openContext() throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        let tv = RedisConnection.timeval(seconds: options.connectTimeout)
        let made: UnsafeMutablePointer<redisContext>?
        switch url.endpoint {
        case let .tcp(host, port): made = redisConnectWithTimeout(host, Int32(port), tv)
        case let .unix(path): made = redisConnectUnixWithTimeout(path, tv)
        }
        guard let c = made else { throw .connectionFailed(address: url.address, reason: "out of memory") }
        if c.pointee.err != 0 {
            let reason = RedisConnection.errorText(c)
            redisFree(c)
            throw .connectionFailed(address: url.address, reason: reason)
        }
        RedisConnection.setTimeout(c, options.commandTimeout)
        var setup: [RedisCommand] = []
        if let password = url.password {
            setup.append(url.username.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password))
        }
        if url.database != 0 { setup.append(RedisCommand("SELECT", url.database)) }
        if let name = options.clientName { setup.append(RedisCommand("CLIENT", "SETNAME", name)) }
        for (i, command) in setup.enumerated() {
            let raw = command.withArgv { argc, argv, lens in redisCommandArgv(c, argc, argv, lens) }
            guard let raw else {
                let reason = RedisConnection.errorText(c)
                redisFree(c)
                throw .connectionFailed(address: url.address, reason: reason)
            }
            let reply = RedisConnection.decode(raw.assumingMemoryBound(to: redisReply.self))
            freeReplyObject(raw)
            if case let .error(message) = reply {
                redisFree(c)
                if i == 0 && url.password != nil { throw .authenticationFailed(address: url.address, message: message) }
                throw .server(message: message)
            }
        }
        return c
    }

    /// Turns a failed context into a typed error and discards it; the next call reconnects.
    private func dropContext(_ c: UnsafeMutablePointer<redisContext>) -> RedisError {
        let code = c.pointee.err
        let savedErrno = errno
        let reason = RedisConnection.errorText(c)
        redisFree(c)
        if context == c { context = nil }
        switch code {
        case REDIS_ERR_IO where savedErrno == EAGAIN || savedErrno == EWOULDBLOCK || reason.contains("temporarily unavailable"):
            return .timeout(address: url.address, seconds: options.commandTimeout)
        case REDIS_ERR_EOF:
            return .connectionLost(address: url.address, reason: "the server closed the connection")
        case REDIS_ERR_IO:
            return .connectionLost(address: url.address, reason: reason)
        default:
            return .protocolError(address: url.address, reason: reason.isEmpty ? "hiredis error \(code)" : reason)
        }
    }

    // MARK: hiredis helpers

    static func timeval(seconds: Double) -> Glibc.timeval {
        let whole = Int(seconds)
        return Glibc.timeval(tv_sec: whole, tv_usec: Int((seconds - Double(whole)) * 1_000_000))
    }

    static func setTimeout(_ c: UnsafeMutablePointer<redisContext>, _ seconds: Double) {
        _ = redisSetTimeout(c, timeval(seconds: seconds))
    }

    static func errorText(_ c: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: c.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    static func decode(_ r: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let reply = r.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            guard let str = reply.str else { return .bulk([]) }
            return .bulk(Array(UnsafeRawBufferPointer(start: str, count: reply.len)))
        case REDIS_REPLY_STATUS:
            return .status(reply.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: reply.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_ERROR:
            return .error(reply.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: reply.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_INTEGER:
            return .integer(Int(reply.integer))
        case REDIS_REPLY_ARRAY:
            var items = [RedisValue]()
            items.reserveCapacity(reply.elements)
            for i in 0..<reply.elements {
                if let e = reply.element[i] { items.append(decode(e)) } else { items.append(.null) }
            }
            return .array(items)
        default:
            return .null
        }
    }
}
