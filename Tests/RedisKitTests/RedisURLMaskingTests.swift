import RedisKit
import XCTest

/// A Redis password never shows in a URL's description or in a parse error, whatever form it
/// was given in (issue 9, item 14).
final class RedisURLMaskingTests: XCTestCase {
    let secret = "hunter2xyz"

    func testEveryCredentialFormIsParsedAndMaskedInTheDescription() throws {
        let forms = [
            "redis://alice:\(secret)@db:6380/1",
            "redis://:\(secret)@db",
            "redis://\(secret)@db",
            "redis://db/0?password=\(secret)",
            "redis://db:6379/0?db=2&password=\(secret)",
            "unix://:\(secret)@/tmp/r.sock",
            "unix:///tmp/r.sock?password=\(secret)",
        ]
        for form in forms {
            let url = try RedisURL(parsing: form)
            XCTAssertEqual(url.password, secret, form)
            XCTAssertFalse(url.description.contains(secret), "\(form) -> \(url.description)")
            XCTAssertFalse(RedisURL.mask(form).contains(secret), "\(form) -> \(RedisURL.mask(form))")
        }
    }

    func testParseErrorsNeverQuoteThePassword() {
        let bad = [
            "redis://db/notadb?password=\(secret)",
            "redis://db:0?password=\(secret)",
            "redis://\(secret)@db:0",
            "redis://alice:\(secret)@db:99999",
            "rediss://:\(secret)@db",
            "unix://?password=\(secret)",
            "unix:///tmp/r.sock?db=x&password=\(secret)",
            "\(secret)@localhost:6379",
        ]
        for text in bad {
            XCTAssertThrowsError(try RedisURL(parsing: text), text) { error in
                XCTAssertFalse("\(error)".contains(secret), "\(text) -> \(error)")
            }
        }
    }
}
