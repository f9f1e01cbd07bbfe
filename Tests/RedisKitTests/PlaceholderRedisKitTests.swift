import XCTest

final class PlaceholderRedisKitTests: XCTestCase {
    func testPlaceholder() { XCTAssertTrue(true) }
}
