import Foundation
import RedisKit
@testable import Scheduler
import XCTest

/// What a function call changed in the namespace: key (without the `swarm:{NS}:` prefix) →
/// changed entry → its new value, or `gone` for an entry (or key) that was removed.
///
/// Entries by type: a string is one entry `""`; a hash its fields; a set its members (value
/// `""`); a zset its members (value = score); a list its indices; the events stream the index of
/// each new event, valued `type task feature k=v …` in the order the Lua wrote them. Times
/// within a day of Redis's clock read as `<now>`, so a diff does not depend on when it ran.
typealias KeyChanges = [String: [String: String]]

/// The value of a removed entry in ``KeyChanges``.
let gone = "(gone)"

extension SchedulerClient {
    /// Every key of the namespace as entries (see ``KeyChanges``).
    func snapshot() throws -> [String: [String: String]] {
        let time = try redis.send("TIME").array ?? []
        let nowMs = (Double(time.first?.string ?? "") ?? 0) * 1000
        func norm(_ text: String) -> String {
            let r = try! NSRegularExpression(pattern: "\\d{10,13}(\\.\\d+)?")
            var out = text
            for m in r.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
                let range = Range(m.range, in: text)!
                guard let v = Double(text[range]) else { continue }
                if abs(v - nowMs) < 86_400_000 || abs(v * 1000 - nowMs) < 86_400_000 {
                    out.replaceSubrange(Range(m.range, in: out)!, with: "<now>")
                }
            }
            return out
        }
        var out: [String: [String: String]] = [:]
        let prefix = keys.prefix
        let names = (try redis.send("KEYS", prefix + "*").array ?? []).compactMap(\.string)
        for name in names {
            let short = String(name.dropFirst(prefix.count))
            var entries: [String: String] = [:]
            switch try redis.send("TYPE", name).string ?? "" {
            case "string": entries[""] = norm(try redis.send("GET", name).string ?? "")
            case "hash": for (k, v) in try redis.send("HGETALL", name).fieldMap { entries[k] = norm(v.string ?? "") }
            case "set": for m in (try redis.send("SMEMBERS", name).array ?? []) { entries[m.string ?? ""] = "" }
            case "zset": for (k, v) in try redis.send("ZRANGE", name, 0, -1, "WITHSCORES").fieldMap { entries[k] = norm(v.string ?? "") }
            case "list":
                for (i, v) in (try redis.send("LRANGE", name, 0, -1).array ?? []).enumerated() { entries["\(i)"] = v.string ?? "" }
            case "stream":
                for (i, e) in (try redis.send("XRANGE", name, "-", "+").array ?? []).enumerated() {
                    let f = e.array?[1].array?.map { $0.string ?? "" } ?? []
                    var parts: [String] = []
                    var j = 0
                    while j + 1 < f.count {
                        // type, task, feature come first: show their values bare; ts is always <now>.
                        if ["type", "task", "feature"].contains(f[j]) { parts.append(f[j + 1]) } else if f[j] != "ts" {
                            parts.append("\(f[j])=\(f[j + 1])")
                        }
                        j += 2
                    }
                    entries["\(i)"] = norm(parts.joined(separator: " "))
                }
            default: entries["?"] = "unknown type"
            }
            out[short] = entries
        }
        return out
    }

    /// Runs `body` (one function call) and returns what it changed and its result.
    func changes<T>(_ body: () throws -> T) throws -> (T, KeyChanges) {
        let before = try snapshot()
        let result = try body()
        let after = try snapshot()
        var diff: KeyChanges = [:]
        for key in Set(before.keys).union(after.keys) {
            let b = before[key] ?? [:], a = after[key] ?? [:]
            var d: [String: String] = [:]
            for e in Set(b.keys).union(a.keys) where b[e] != a[e] { d[e] = a[e] ?? gone }
            if !d.isEmpty { diff[key] = d }
        }
        // Every move the call made is one the life cycle allows (the events say which).
        for event in diff["events"]?.values.sorted() ?? [] { assertAllowedMove(event) }
        return (result, diff)
    }

    /// Milliseconds from Redis's clock to `gid`'s lease (leases read `<now>` in a diff).
    func leaseLeftMs(_ gid: String) throws -> Int {
        let t = try redis.send("TIME").array ?? []
        let now = (Int(t[0].string ?? "") ?? 0) * 1000 + (Int(t[1].string ?? "") ?? 0) / 1000
        return (Int(try redis.send("ZSCORE", keys.leases, gid).string ?? "") ?? 0) - now
    }

    /// Calls a function of the library directly (for replies and error codes as the Lua sends them).
    func fcall(_ function: String, _ args: [any RedisArgument]) throws -> RedisValue {
        try redis.fcall(SchedulerLibrary.library, function, keys: [keys.events], args: args)
    }
}

/// Asserts a diff key by key, so a failure names the key that differs (and prints the whole
/// diff as a Swift literal, to compare with the contract).
func assertChanges(_ actual: KeyChanges, _ expected: KeyChanges, _ message: String = "", file: StaticString = #filePath,
                   line: UInt = #line) {
    var failed = false
    for key in Set(actual.keys).union(expected.keys).sorted() where actual[key] != expected[key] {
        failed = true
        XCTFail("\(message) \(key): got \(actual[key].map(literal) ?? "no change"), expected \(expected[key].map(literal) ?? "no change")",
                file: file, line: line)
    }
    if failed { print("actual changes:\n" + actual.keys.sorted().map { "    \"\($0)\": \(literal(actual[$0]!))," }.joined(separator: "\n")) }
}

private func literal(_ d: [String: String]) -> String {
    "[" + d.keys.sorted().map { "\(String(reflecting: $0)): \(String(reflecting: d[$0]!))" }.joined(separator: ", ") + "]"
}

/// A flat name/value reply as a dictionary (nested replies left out).
func replyFields(_ v: RedisValue) -> [String: String] {
    v.fieldMap.compactMapValues { $0.array == nil ? $0.string : nil }
}

/// Fails when `event` (as in ``KeyChanges``) is a `transition()` event whose move
/// `TaskState.moves` does not list. Quarantine (`quarantined=1`) is the one move outside the table.
func assertAllowedMove(_ event: String, file: StaticString = #filePath, line: UInt = #line) {
    let parts = event.components(separatedBy: " ")
    guard parts.count > 4, parts[3].hasPrefix("state="), parts[4].hasPrefix("from="), !event.contains("quarantined=1") else { return }
    let toText = String(parts[3].dropFirst("state=".count)), fromText = String(parts[4].dropFirst("from=".count))
    guard let to = TaskState(rawValue: toText), fromText.isEmpty || TaskState(rawValue: fromText) != nil else {
        return XCTFail("\(event): not task states", file: file, line: line)
    }
    XCTAssertTrue(TaskState.allows(from: TaskState(rawValue: fromText), to: to),
                  "\(event): \(fromText.isEmpty ? "(new)" : fromText) -> \(toText) is not in TaskState.moves", file: file, line: line)
}

/// The error code of a refused call made through ``SchedulerClient/fcall(_:_:)``.
func refusalCode(_ body: () throws -> RedisValue) -> String? {
    do {
        _ = try body()
        return nil
    } catch let RedisError.server(message) {
        return message.split(separator: " ").first.map(String.init)
    } catch {
        return "\(error)"
    }
}
