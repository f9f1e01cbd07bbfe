import XCTest
@testable import WorkerAgent

final class RedactorTests: XCTestCase {
    let redactor = Redactor.defaults()

    func testDefaultPatternsAreRedacted() {
        let cases = [
            "key=sk-abcdefghijklmnop1234 end": "key=[REDACTED] end",
            "Authorization: Bearer abc.def-ghi==\n": "Authorization: [REDACTED]\n",
            "aws AKIAABCDEFGHIJKLMNOP here": "aws [REDACTED] here",
            "gh ghp_abcdefghijklmnopqrstuvwxyz0123456789 ok": "gh [REDACTED] ok",
        ]
        for (input, expected) in cases {
            XCTAssertEqual(redactor.redact(input), expected, input)
        }
    }

    func testShortLookalikesAreKept() {
        let text = "sk-short AKIA123 ghp_tooShort Bearer"
        XCTAssertEqual(redactor.redact(text), text)
    }

    func testPrivateKeyBlockBecomesOneReplacement() {
        let text = """
            before
            -----BEGIN RSA PRIVATE KEY-----
            MIIEowIBAAKCAQEA
            abcdef
            -----END RSA PRIVATE KEY-----
            after
            """
        XCTAssertEqual(redactor.redact(text), "before\n[REDACTED]\nafter")
    }

    func testUnterminatedPrivateKeyIsRedactedToTheEnd() {
        let text = "x -----BEGIN PRIVATE KEY-----\nMIIE\nmore"
        XCTAssertEqual(redactor.redact(text), "x [REDACTED]")
    }

    func testLiteralSecretValuesFromEnvironment() throws {
        let env = [
            "OPENAI_API_KEY": "hunter2-very-secret",
            "GITHUB_token": "tok-123456",
            "DB_PASSWORD": "short",  // below 6 characters: ignored
            "HOME": "/home/someone",
            "MY_SECRET": "line1\nline2",
        ]
        let values = Redactor.secretValues(from: env)
        XCTAssertEqual(values, ["hunter2-very-secret", "line1\nline2", "tok-123456"])
        let r = try Redactor(secretValues: values)
        XCTAssertEqual(
            r.redact("a hunter2-very-secret b tok-123456 c /home/someone line1\nline2 short"),
            "a [REDACTED] b [REDACTED] c /home/someone [REDACTED] short")
    }

    func testInvalidPatternThrowsTypedError() {
        XCTAssertThrowsError(try Redactor(patterns: ["(unclosed"])) { error in
            guard case RedactorError.invalidPattern(let pattern, _) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(pattern, "(unclosed")
            XCTAssertTrue("\(error)".contains("redaction.patterns"))
        }
    }

    func testInvalidUTF8PassesThroughUnchanged() {
        let bytes: [UInt8] = [0xFF, 0xFE, 0x41, 0xC3, 0x0A, 0x80] + Array("sk-abcdefghijklmnopqrstuvwxyz".utf8) + [0xE2, 0x82]
        let out = redactor.redact(bytes: bytes)
        XCTAssertEqual(out, [0xFF, 0xFE, 0x41, 0xC3, 0x0A, 0x80] + Array("[REDACTED]".utf8) + [0xE2, 0x82])
        var stream = redactor.makeStream()
        var streamed: [UInt8] = []
        for byte in bytes { streamed += stream.feed([byte]) }
        streamed += stream.finish()
        XCTAssertEqual(streamed, out)
    }

    func testMultibyteTextSplitInsideCharactersIsPreserved() {
        let text = "héllo wörld — ✓ 日本語\nsecond line ✓"
        var stream = redactor.makeStream()
        var out: [UInt8] = []
        for byte in text.utf8 { out += stream.feed([byte]) }
        out += stream.finish()
        XCTAssertEqual(String(decoding: out, as: UTF8.self), text)
    }

    func testStreamEmitsCompleteLinesWithoutWaitingForFinish() {
        var stream = redactor.makeStream()
        XCTAssertEqual(String(decoding: stream.feed(Array("hello\nwor".utf8)), as: UTF8.self), "hello\n")
        XCTAssertEqual(String(decoding: stream.feed(Array("ld\n".utf8)), as: UTF8.self), "world\n")
        XCTAssertEqual(stream.finish(), [])
    }

    func testSecretSplitAcrossChunksIsCaught() {
        var stream = redactor.makeStream()
        var out = stream.feed(Array("token: sk-abcdefgh".utf8))
        XCTAssertFalse(String(decoding: out, as: UTF8.self).contains("sk-"))
        out += stream.feed(Array("ijklmnopqrst and more\n".utf8))
        out += stream.finish()
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "token: [REDACTED] and more\n")
    }

    func testOverlongBlockIsReplacedAndDroppedUntilItsEnd() throws {
        let r = try Redactor(maxHeldBytes: 256)
        var stream = r.makeStream()
        var out = stream.feed(Array("a\n-----BEGIN EC PRIVATE KEY-----\n".utf8))
        for _ in 0..<50 { out += stream.feed(Array("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n".utf8)) }
        XCTAssertLessThanOrEqual(stream.heldByteCount, 256 + 64)
        out += stream.feed(Array("-----END EC PRIVATE KEY-----\nb\n".utf8))
        out += stream.finish()
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "a\n[REDACTED]\nb\n")
    }

    func testOverlongLineIsCutWithoutSplittingASecret() throws {
        let r = try Redactor(maxHeldBytes: 128)
        var stream = r.makeStream()
        let secret = "sk-" + String(repeating: "Z", count: 40)
        let line = String(repeating: "x ", count: 100) + secret + String(repeating: " y", count: 100)
        var out: [UInt8] = []
        for chunk in Array(line.utf8).chunked(into: 7) {
            out += stream.feed(chunk)
            XCTAssertLessThanOrEqual(stream.heldByteCount, 128 + 7)
        }
        out += stream.finish()
        let text = String(decoding: out, as: UTF8.self)
        XCTAssertFalse(text.contains("ZZZZ"))
        XCTAssertEqual(text, line.replacingOccurrences(of: secret, with: "[REDACTED]"))
    }
}

extension Array {
    func chunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
