import XCTest

final class PlaceholderSchedulerTests: XCTestCase {
    func testPlaceholder() { XCTAssertTrue(true) }
}
