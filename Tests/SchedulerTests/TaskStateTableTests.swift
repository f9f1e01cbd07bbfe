import Foundation
@testable import Scheduler
import XCTest

private let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// One `transition(gid, feature, from, to, …)` call in the library's Lua.
private struct TransitionCall {
    var place: String
    var from: String
    var to: String
    /// The states named by a `-- moves from: S.A, S.B` comment right above a call whose `from` is
    /// an expression (`t.state`).
    var annotated: [String]
}

/// The Swift files under Sources/Scheduler, with their text.
private func schedulerSources() throws -> [(path: String, text: String)] {
    let dir = repoRoot.appendingPathComponent("Sources/Scheduler")
    let files = FileManager.default.enumerator(atPath: dir.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
    return try files.sorted().map { ($0, try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)) }
}

/// The first `count` top-level, comma-separated arguments after `text[start]` (just past a '(').
private func arguments(_ text: Substring, count: Int) -> [String] {
    var args: [String] = []
    var current = ""
    var depth = 0
    var quote: Character?
    for ch in text {
        if let q = quote {
            current.append(ch)
            if ch == q { quote = nil }
            continue
        }
        switch ch {
        case "'", "\"": quote = ch; current.append(ch)
        case "(", "{", "[": depth += 1; current.append(ch)
        case ")", "}", "]":
            if depth == 0 { args.append(current); return args }
            depth -= 1; current.append(ch)
        case "," where depth == 0:
            args.append(current)
            current = ""
            if args.count == count { return args }
        default: current.append(ch)
        }
    }
    return args
}

private func transitionCalls() throws -> [TransitionCall] {
    var calls: [TransitionCall] = []
    for (path, text) in try schedulerSources() {
        let lines = text.components(separatedBy: "\n")
        for (index, line) in lines.enumerated() {
            guard let r = line.range(of: "transition("), !line.contains("function transition(") else { continue }
            // Lua calls only: the Swift doc comments name `transition()` too.
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("///") || line.contains("`transition") { continue }
            let rest = lines[index...].joined(separator: "\n")
            let offset = line.distance(from: line.startIndex, to: r.upperBound)
            let args = arguments(rest.dropFirst(offset), count: 4).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            var annotated: [String] = []
            if index > 0, let a = lines[index - 1].range(of: "-- moves from:") {
                annotated = lines[index - 1][a.upperBound...].split(separator: " ").map {
                    String($0).trimmingCharacters(in: CharacterSet(charactersIn: ","))
                }.filter { $0.hasPrefix("S.") }
            }
            calls.append(TransitionCall(place: "\(path):\(index + 1)", from: args.count > 2 ? args[2] : "",
                                        to: args.count > 3 ? args[3] : "", annotated: annotated))
        }
    }
    return calls
}

private func state(lua: String) -> TaskState? {
    TaskState.allCases.first { "S." + $0.luaName == lua }
}

/// The life-cycle section of docs/ARCHITECTURE.md, generated from `TaskState.moves`.
private func lifeCycleDocs() -> String {
    var out = ["```mermaid", "stateDiagram-v2"]
    for m in TaskState.moves {
        out.append("    \(m.from?.rawValue ?? "[*]") --> \(m.to.rawValue): \(m.why)")
    }
    out += ["```", "", "| from | to | when |", "|---|---|---|"]
    for m in TaskState.moves {
        out.append("| \(m.from.map { "`\($0.rawValue)`" } ?? "(submit)") | `\(m.to.rawValue)` | \(m.why) |")
    }
    return out.joined(separator: "\n")
}

final class TaskStateTableTests: XCTestCase {
    func testEveryTransitionInTheLuaIsAnAllowedMove() throws {
        let calls = try transitionCalls()
        // Every fragment of the library is a file under Sources/Scheduler: none was missed.
        let inLibrary = SchedulerLibrary.library.body.components(separatedBy: "transition(").count - 1
        let declared = SchedulerLibrary.library.body.components(separatedBy: "function transition(").count - 1
        XCTAssertEqual(calls.count, inLibrary - declared, "transition calls found in files vs. in the assembled library")
        XCTAssertGreaterThan(calls.count, 15)
        var used = Set<String>()
        for c in calls {
            guard let to = state(lua: c.to) else {
                XCTFail("\(c.place): the target state \(c.to) is not an S.<STATE> constant"); continue
            }
            let froms: [TaskState?]
            if c.from == "''" {
                froms = [nil]
            } else if let f = state(lua: c.from) {
                froms = [f]
            } else {
                XCTAssertFalse(c.annotated.isEmpty, "\(c.place): `from` is \(c.from); say which states it can be in a `-- moves from: S.A, S.B` line above the call")
                froms = c.annotated.map { a in
                    let s = state(lua: a)
                    XCTAssertNotNil(s, "\(c.place): \(a) in the moves comment is not a task state")
                    return s
                }.compactMap { $0 }
            }
            for f in froms {
                XCTAssertTrue(TaskState.allows(from: f, to: to),
                              "\(c.place): \(f?.rawValue ?? "(new task)") -> \(to.rawValue) is not in TaskState.moves")
                used.insert("\(f?.rawValue ?? "(new)") -> \(to.rawValue)")
            }
        }
        // And the table lists nothing the Lua never does.
        let listed = TaskState.moves.map { "\($0.from?.rawValue ?? "(new)") -> \($0.to.rawValue)" }
        XCTAssertEqual(listed.filter { !used.contains($0) }, [], "moves no transition() makes")
    }

    func testTheLuaNamesOnlyStatesThatExist() throws {
        let names = Set(TaskState.allCases.map { "S." + $0.luaName })
        let regex = try NSRegularExpression(pattern: "\\bS\\.[A-Z_]+")
        let body = SchedulerLibrary.library.body
        let found = regex.matches(in: body, range: NSRange(body.startIndex..., in: body)).map { String(body[Range($0.range, in: body)!]) }
        XCTAssertGreaterThan(found.count, 40)
        XCTAssertEqual(Set(found).subtracting(names), [])
    }

    func testTheLuaStateConstantsAreGeneratedFromTaskState() throws {
        let body = SchedulerLibrary.library.body
        for s in TaskState.allCases {
            XCTAssertTrue(body.contains("\(s.luaName) = '\(s.rawValue)'"), s.rawValue)
        }
        XCTAssertTrue(body.contains("local FINAL = {succeeded = true, failed = true, cancelled = true}"))
    }

    func testEveryStateIsReachableAndFinalStatesLeadOnlyToAPersonsResolve() {
        for s in TaskState.allCases {
            XCTAssertTrue(TaskState.moves.contains { $0.to == s }, "\(s.rawValue) is never entered")
        }
        for m in TaskState.moves where m.from?.isFinal == true {
            XCTAssertTrue(m.why.hasPrefix("resolve"), "\(m.from!.rawValue) -> \(m.to.rawValue): a final state is left only by resolve")
        }
        XCTAssertEqual(TaskState.allCases.filter(\.isFinal), [.succeeded, .failed, .cancelled])
        XCTAssertEqual(TaskState(rawValue: "needs_human"), .needsHuman)
        XCTAssertEqual(TaskState(rawValue: "upstream_failed"), .upstreamFailed)
    }

    func testTheArchitectureDocShowsTheLifeCycleFromTheTable() throws {
        let path = repoRoot.appendingPathComponent("docs/ARCHITECTURE.md")
        let doc = try String(contentsOf: path, encoding: .utf8)
        let begin = "<!-- life-cycle: generated from TaskState.moves by TaskStateTableTests -->\n"
        let end = "\n<!-- life-cycle end -->"
        guard let b = doc.range(of: begin), let e = doc.range(of: end, range: b.upperBound..<doc.endIndex) else {
            return XCTFail("docs/ARCHITECTURE.md lacks the generated life-cycle section markers")
        }
        let expected = lifeCycleDocs()
        if String(doc[b.upperBound..<e.lowerBound]) != expected {
            // SWARM_UPDATE_DOCS=1 rewrites the section (then review the diff).
            if ProcessInfo.processInfo.environment["SWARM_UPDATE_DOCS"] == "1" {
                try (String(doc[..<b.upperBound]) + expected + String(doc[e.lowerBound...])).write(to: path, atomically: true, encoding: .utf8)
            }
            XCTFail("docs/ARCHITECTURE.md's life cycle differs from TaskState.moves; expected:\n\(expected)")
        }
    }
}
