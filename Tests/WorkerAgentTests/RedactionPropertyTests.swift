import SwarmSupport
import XCTest
@testable import WorkerAgent

/// Seeded random outputs with embedded secrets, cut into random chunks: the stream must
/// never leak a secret and must otherwise reproduce the text exactly.
final class RedactionPropertyTests: XCTestCase {
    static let literalSecrets = ["hunter2-literal-secret", "pa$$w0rd!xyz", "multi\nline-secret-value", "zzzzzz"]

    func randomFiller(_ rng: inout SplitMix64) -> String {
        let words = ["build", "ok", "warning:", "sk-", "Bearer", "AKIA", "ghp_", "-----", "é", "✓", "日本",
                     "\n", "\n", " ", "  ", "{\"a\":1}", "path/to/file.swift:12", "hunter", "pa$$", "multi\n", "zzzzz"]
        var s = ""
        // "|" ends every word, so fillers never form a secret by accident.
        for _ in 0..<Int.random(in: 1...12, using: &rng) { s += words.randomElement(using: &rng)! + "|" }
        return s
    }

    func randomPatternSecret(_ rng: inout SplitMix64) -> String {
        let alnum = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let upper = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        func run(_ chars: [Character], _ n: Int) -> String {
            String((0..<n).map { _ in chars.randomElement(using: &rng)! })
        }
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return "sk-" + run(alnum, Int.random(in: 16...40, using: &rng))
        case 1: return "Bearer " + run(alnum, Int.random(in: 8...30, using: &rng)) + "=="
        case 2: return "AKIA" + run(upper, 16)
        case 3: return "ghs_" + run(alnum, Int.random(in: 30...45, using: &rng))
        default:
            var block = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
            for _ in 0..<Int.random(in: 1...6, using: &rng) { block += run(alnum, 64) + "\n" }
            return block + "-----END OPENSSH PRIVATE KEY-----"
        }
    }

    /// Secrets are separated from fillers by a delimiter that no pattern can extend over.
    func randomDocument(_ rng: inout SplitMix64) -> (text: String, secrets: [String], expected: String) {
        var text = "", expected = "", secrets: [String] = []
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let filler = randomFiller(&rng)
            text += filler + " "
            expected += filler + " "
            let secret = Bool.random(using: &rng)
                ? Self.literalSecrets.randomElement(using: &rng)!
                : randomPatternSecret(&rng)
            secrets.append(secret)
            text += secret + " \n"
            expected += "[REDACTED] \n"
        }
        let tail = randomFiller(&rng)
        return (text + tail, secrets, expected + tail)
    }

    func testRandomChunkingNeverLeaksAndPreservesText() throws {
        let redactor = try Redactor(secretValues: Self.literalSecrets)
        for seed in [UInt64(1), 42, 0xDEAD_BEEF] {
            var rng = SplitMix64(seed: seed)
            for iteration in 0..<400 {
                let doc = randomDocument(&rng)
                let bytes = Array(doc.text.utf8)
                let whole = String(decoding: redactor.redact(bytes: bytes), as: UTF8.self)
                XCTAssertEqual(whole, doc.expected, "seed \(seed) iteration \(iteration)")

                var stream = redactor.makeStream()
                var out: [UInt8] = []
                var offset = 0
                let maxChunk = [1, 3, 16, 200][iteration % 4]
                while offset < bytes.count {
                    let n = min(Int.random(in: 1...maxChunk, using: &rng), bytes.count - offset)
                    out += stream.feed(Array(bytes[offset..<(offset + n)]))
                    offset += n
                }
                out += stream.finish()
                let streamed = String(decoding: out, as: UTF8.self)
                XCTAssertEqual(streamed, doc.expected, "seed \(seed) iteration \(iteration)")
                for secret in doc.secrets {
                    XCTAssertFalse(streamed.contains(secret), "leaked \(secret.debugDescription) (seed \(seed))")
                }
                if streamed != doc.expected { return }  // one detailed failure is enough
            }
        }
    }
}
