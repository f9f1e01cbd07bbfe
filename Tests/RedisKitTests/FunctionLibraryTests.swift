import RedisKit
import SwarmTestSupport
import XCTest

final class FunctionLibraryTests: XCTestCase {
    let library = FunctionLibrary(name: "kit_test", body: """
        redis.register_function('kit_add', function(keys, args)
          return redis.call('INCRBY', keys[1], args[1])
        end)
        redis.register_function('kit_boom', function(keys, args)
          return redis.error_reply('BADTASK no such task ' .. args[1])
        end)
        redis.register_function('kit_crash', function(keys, args)
          return redis.call('LPUSH', keys[1], 'x')
        end)
        """)

    func testLoadsOnceAndSkipsTheSameVersion() throws {
        let redis = try TestRedis.fresh()
        XCTAssertEqual(try redis.ensureLoaded(library), .loaded)
        XCTAssertEqual(try redis.ensureLoaded(library), .alreadyCurrent)
        let changed = FunctionLibrary(name: "kit_test", body: library.body + "\n-- v2")
        XCTAssertNotEqual(changed.version, library.version)
        XCTAssertEqual(try redis.ensureLoaded(changed), .loaded)
        XCTAssertEqual(try redis.ensureLoaded(changed), .alreadyCurrent)
    }

    func testFcallWorksAndReloadsAfterFlush() throws {
        let redis = try TestRedis.fresh()
        try redis.ensureLoaded(library)
        XCTAssertEqual(try redis.fcall(library, "kit_add", keys: ["n"], args: [5]).int, 5)
        try redis.send("FUNCTION", "FLUSH")
        XCTAssertEqual(try redis.fcall(library, "kit_add", keys: ["n"], args: [2]).int, 7,
                       "a lost library is loaded again on the first call")
    }

    func testLuaErrorsComeBackTyped() throws {
        let redis = try TestRedis.fresh()
        try redis.ensureLoaded(library)
        XCTAssertThrowsError(try redis.fcall(library, "kit_boom", keys: [], args: ["t1"])) { error in
            guard let e = error as? RedisError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.serverCode, "BADTASK")
            XCTAssertTrue(e.description.contains("no such task t1"), e.description)
        }
        try redis.send("SET", "str", "v")
        XCTAssertThrowsError(try redis.fcall(library, "kit_crash", keys: ["str"])) { error in
            XCTAssertTrue("\(error)".contains("WRONGTYPE"), "\(error)")
        }
    }
}
