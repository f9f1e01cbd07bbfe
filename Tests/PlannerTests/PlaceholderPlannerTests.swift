import XCTest

final class PlaceholderPlannerTests: XCTestCase {
    func testPlaceholder() { XCTAssertTrue(true) }
}
