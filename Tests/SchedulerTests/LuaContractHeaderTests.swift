import Foundation
@testable import Scheduler
import XCTest

private let schedulerDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Sources/Scheduler")

/// One `register('name', …)` of the library's Lua: its header comment and its body.
private struct LuaFunction {
    var name: String
    var place: String
    var header: [String]
    var body: String
}

private func luaFunctions() throws -> [LuaFunction] {
    let files = FileManager.default.enumerator(atPath: schedulerDir.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
    var out: [LuaFunction] = []
    for file in files.sorted() {
        let lines = try String(contentsOf: schedulerDir.appendingPathComponent(file), encoding: .utf8).components(separatedBy: "\n")
        for (i, line) in lines.enumerated() where line.hasPrefix("register('") {
            let name = String(line.dropFirst("register('".count).prefix { $0 != "'" })
            var header: [String] = []
            var j = i - 1
            if j >= 0, lines[j] == "]]" {
                while j > 0, !lines[j].hasPrefix("--[[") { j -= 1 }
                header = Array(lines[j..<(i - 1)])
            }
            let end = lines[(i + 1)...].firstIndex { $0.hasPrefix("register('") || $0.hasPrefix("\"\"\"#") } ?? lines.count
            out.append(LuaFunction(name: name, place: "\(file):\(i + 1)", header: header, body: lines[i..<end].joined(separator: "\n")))
        }
    }
    return out
}

private func matches(_ pattern: String, in text: String) -> [String] {
    let r = try! NSRegularExpression(pattern: pattern)
    return r.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
        String(text[Range(m.range(at: m.numberOfRanges > 1 ? 1 : 0), in: text)!])
    }
}

/// Every Redis function carries its contract (BullMQ/Asynq style) and the contract is checked
/// against what the Lua does where a machine can check it: the arguments it reads, the error
/// codes it returns, the settings it reads.
final class LuaContractHeaderTests: XCTestCase {
    func testEveryFunctionHasAContractNamingItsKeysArgumentsReplyErrorsAndWrites() throws {
        let functions = try luaFunctions()
        XCTAssertTrue(Set(functions.map(\.name)).isSuperset(of: ["submit_feature", "submit_tasks", "dispatch", "start", "complete", "fail",
                                                                  "reject_spec", "tick", "register", "heartbeat", "deregister",
                                                                  "requeue_worker", "resolve", "cancel"]), "\(functions.map(\.name))")
        for f in functions {
            guard let first = f.header.first else { XCTFail("\(f.place): \(f.name) has no --[[ contract ]] above it"); continue }
            XCTAssertTrue(first.hasPrefix("--[[ \(f.name): "), "\(f.place): the contract opens with '--[[ \(f.name): what it does'")
            let text = f.header.joined(separator: "\n")
            for label in ["KEYS[1]", "Reply", "Errors", "Writes"] {
                XCTAssertTrue(f.header.contains { $0.hasPrefix("  " + label) }, "\(f.place): \(f.name)'s contract lacks a '\(label)' line")
            }
            // Each argument the body reads has its own line (ARGV[2…] covers the rest of a list).
            for n in Set(matches("args\\[(\\d+)\\]", in: f.body)) where !text.contains("ARGV[\(n)]") && !text.contains("ARGV[2…]") {
                XCTFail("\(f.place): \(f.name) reads args[\(n)] but its contract has no ARGV[\(n)] line")
            }
            // The error codes it can return are the ones its contract lists.
            var used = Set(matches("refuse\\(E\\.([A-Z]+)", in: f.body))
            if f.body.contains("return bad(") { used.insert("BADINPUT") }
            let errorsLine = f.header.drop { !$0.hasPrefix("  Errors") }.prefix { !$0.hasPrefix("  Writes") }.joined(separator: " ")
            let listed = Set(matches("\\b([A-Z]{5,})\\b", in: errorsLine)).intersection(SchedulerErrorCode.allCases.map(\.rawValue))
            XCTAssertEqual(listed, used, "\(f.place): \(f.name)'s Errors line vs. the codes its body returns")
        }
    }

    func testTheLuaUsesOnlyErrorCodesAndSettingsSwiftDefines() throws {
        let body = SchedulerLibrary.library.body
        let codes = Set(SchedulerErrorCode.allCases.map(\.rawValue))
        XCTAssertEqual(Set(matches("\\bE\\.([A-Z]+)", in: body)).subtracting(codes), [])
        for code in codes { XCTAssertTrue(body.contains("\(code) = '\(code)'"), "E.\(code) is generated") }
        XCTAssertEqual(matches("error_reply\\(", in: body).count, 1,
                       "every refusal goes through refuse(), whose code comes from SchedulerErrorCode")
        // Settings: every cnum('name') with a literal name has a generated default, and no call
        // repeats a default next to it (per-type names such as 'max:' .. type keep theirs).
        let defaults = Set(matches("\\['([a-z_:*]+)'\\] = ", in: body))
        XCTAssertTrue(defaults.isSuperset(of: ["queue_depth", "inline_dispatch", "inline_scan", "dispatch_batch", "events_maxlen"]))
        for name in matches("cnum\\('([a-z_:*]+)'\\)", in: body) {
            XCTAssertTrue(defaults.contains(name), "cnum('\(name)') has no default from SchedulerSettings")
        }
        XCTAssertEqual(matches("cnum\\('[a-z_:*]+', [0-9]", in: body), [], "a literal setting takes its default from SchedulerSettings")
    }

    func testARefusalBecomesATypedErrorWithItsCodeAndMessage() throws {
        let s = try freshScheduler()
        XCTAssertThrowsError(try s.resolve("f/none", .done)) { error in
            guard case let SchedulerError.refused(code, message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(code, .noTask)
            XCTAssertTrue(message.hasPrefix("no task f/none in this namespace"), message)
            XCTAssertTrue("\(error)".hasSuffix("(NOTASK)"), "\(error)")
        }
        XCTAssertThrowsError(try s.heartbeat(worker: "ghost", task: nil, load: LoadReport())) { error in
            XCTAssertEqual((error as? SchedulerError)?.code, .unknownWorker)
        }
    }
}
