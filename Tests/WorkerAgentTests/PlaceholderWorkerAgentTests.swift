import XCTest

final class PlaceholderWorkerAgentTests: XCTestCase {
    func testPlaceholder() { XCTAssertTrue(true) }
}
