import Foundation
import RedisKit
import SwarmSupport
import SwarmTestSupport
import XCTest

/// The private redis-server as `up` runs it: a password kept off the command line, and a crash
/// (kill -9) that a restart replays from the append-only file — data and functions alike.
final class RedisServerRestartTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        ignoreBrokenPipeSignal()
    }

    private func privateServer(password: String?, appendFsync: String = "always") -> RedisServerProcess {
        let dir = NSTemporaryDirectory() + "swarm-restart-\(UUID().uuidString)"
        return RedisServerProcess(.init(directory: dir, appendOnly: true, appendFsync: appendFsync, password: password))
    }

    func testAPasswordedServerRefusesUnauthenticatedClientsAndKeepsThePasswordOffItsCommandLine() throws {
        let password = String(repeating: "ab12", count: 16)
        let server = privateServer(password: password)
        defer { server.destroy() }
        try server.start()

        let anonymous = try RedisConnection(url: RedisURL(endpoint: .unix(path: server.socketPath)))
        XCTAssertThrowsError(try anonymous.send("PING")) { error in
            XCTAssertEqual((error as? RedisError)?.serverCode, "NOAUTH", "\(error)")
        }
        XCTAssertThrowsError(try RedisConnection(url: RedisURL(endpoint: .unix(path: server.socketPath), password: "wrong"))) { error in
            guard case RedisError.authenticationFailed = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try RedisConnection(url: server.url).send("PING"), .status("PONG"))

        let pid = try XCTUnwrap(server.pid)
        let cmdline = try String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")), as: UTF8.self)
        XCTAssertFalse(cmdline.contains(password), "the password shows in ps: \(cmdline)")
        var st = stat()
        XCTAssertEqual(stat(server.authConfigPath, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600, "the file holding the password is private")
        XCTAssertFalse(server.url.description.contains(password), server.url.description)
    }

    func testThePrivateServerDoesNotInheritTheDescriptorsOfTheProcessThatStartsIt() throws {
        // A descriptor opened without O_CLOEXEC, like a lock file a caller forgot to mark: a
        // redis-server holding it would keep the lock (or a pipe's end) alive after we exit.
        let marker = NSTemporaryDirectory() + "swarm-fd-marker-\(UUID().uuidString)"
        let fd = open(marker, O_WRONLY | O_CREAT, 0o600)
        XCTAssertGreaterThan(fd, 2)
        defer { close(fd); unlink(marker) }
        let server = privateServer(password: nil)
        defer { server.destroy() }
        try server.start()

        let pid = try XCTUnwrap(server.pid)
        let dir = "/proc/\(pid)/fd"
        let targets = try FileManager.default.contentsOfDirectory(atPath: dir).map {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + $0)) ?? ""
        }
        XCTAssertFalse(targets.contains(marker), "redis-server holds our descriptor: \(targets)")
    }

    func testAKilledServerIsReportedAndComesBackWithItsDataAndFunctions() throws {
        let server = privateServer(password: "restart-test-password")
        defer { server.destroy() }
        try server.start()
        let library = FunctionLibrary(name: "restart_test", body: """
            redis.register_function('restart_incr', function(keys, args) return redis.call('INCR', keys[1]) end)
            """)
        let redis = try RedisConnection(url: server.url, options: RedisOptions(connectTimeout: 0.5, commandTimeout: 1,
                                                                                 reconnect: Backoff(base: 0.01, max: 0.05)))
        try redis.ensureLoaded(library)
        for _ in 0..<3 { try redis.fcall(library, "restart_incr", keys: ["n"]) }
        XCTAssertNil(server.reapIfExited(), "a running server has not exited")

        let oldPid = try XCTUnwrap(server.pid)
        kill(oldPid, SIGKILL)
        var how: String?
        let deadline = Monotonic.now() + 5
        while how == nil && Monotonic.now() < deadline {
            how = server.reapIfExited()
            sleepSeconds(0.01)
        }
        XCTAssertEqual(how, "was killed by signal 9")
        XCTAssertNil(server.pid)
        // Ignoring SIGPIPE turns the write to the dead socket into a connection error.
        XCTAssertThrowsError(try redis.send("PING")) { error in
            XCTAssertTrue((error as? RedisError)?.isConnectionError == true, "\(error)")
        }

        try server.start()
        XCTAssertNotEqual(server.pid, oldPid)
        var value: RedisValue?
        let back = Monotonic.now() + 5
        while value == nil && Monotonic.now() < back {
            value = try? redis.sendRaw(RedisCommand("FCALL", "restart_incr", 1, "n"))
            if value == nil { sleepSeconds(0.02) }
        }
        // The library came back from the AOF (FUNCTION LOAD is in it): no reload was needed.
        XCTAssertEqual(value, .integer(4))
        XCTAssertEqual(try redis.ensureLoaded(library), .alreadyCurrent)
    }

    func testFunctionsLostWithTheDataAreLoadedAgainOnTheNextCall() throws {
        // A server without persistence forgets the library when it restarts: the next fcall sees
        // `ERR Function not found`, loads the library and runs the call.
        let server = RedisServerProcess.temporary(tcp: false)
        defer { server.destroy() }
        try server.start()
        let library = FunctionLibrary(name: "restart_test2", body: """
            redis.register_function('restart_set', function(keys, args) return redis.call('SET', keys[1], args[1]) end)
            """)
        let redis = try RedisConnection(url: server.url, options: RedisOptions(reconnect: Backoff(base: 0.01, max: 0.05)))
        try redis.ensureLoaded(library)
        server.kill()
        try server.start()
        var reply: RedisValue?
        let deadline = Monotonic.now() + 5
        while reply == nil && Monotonic.now() < deadline {
            reply = try? redis.fcall(library, "restart_set", keys: ["k"], args: ["v"])
            if reply == nil { sleepSeconds(0.02) }
        }
        XCTAssertEqual(reply, .status("OK"))
        XCTAssertEqual(try redis.send("GET", "k").string, "v")
    }

    func testAnOutageIsReportedOnceThenRemindedThenAnnouncedOver() {
        var outage = RedisOutage(backoff: Backoff(base: 0.1, max: 0.4), reportEvery: 3600)
        let error = RedisError.connectionFailed(address: "unix:/x", reason: "No such file or directory")
        let first = outage.failed(error, who: "worker w1", address: "unix:/x")
        XCTAssertEqual(first.delay, 0.1)
        XCTAssertEqual(first.message?.hasPrefix("worker w1: Redis at unix:/x failed:"), true, first.message ?? "")
        var later: [String] = []
        for _ in 0..<10 {
            let (delay, message) = outage.failed(error, who: "worker w1", address: "unix:/x")
            XCTAssertLessThanOrEqual(delay, 0.4, "the backoff is capped")
            if let message { later.append(message) }
        }
        XCTAssertEqual(later, [], "no line per retry while the reminder is not due")
        let over = outage.succeeded(who: "worker w1", address: "unix:/x")
        XCTAssertEqual(over?.contains("answers again"), true, over ?? "")
        XCTAssertNil(outage.succeeded(who: "worker w1", address: "unix:/x"), "only the first success after an outage is announced")

        var chatty = RedisOutage(backoff: Backoff(base: 0.1, max: 0.4), reportEvery: 0)
        _ = chatty.failed(error, who: "w", address: "a")
        XCTAssertEqual(chatty.failed(error, who: "w", address: "a").message?.contains("still failing"), true)
    }
}
