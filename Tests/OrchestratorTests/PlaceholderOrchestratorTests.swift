import XCTest

final class PlaceholderOrchestratorTests: XCTestCase {
    func testPlaceholder() { XCTAssertTrue(true) }
}
