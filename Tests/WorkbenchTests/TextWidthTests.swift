import XCTest
@testable import Workbench

final class TextWidthTests: XCTestCase {
    func testWrapKeepsOffsetsAndBreaksAtSpaces() {
        let lines = TextWidth.wrapWithOffsets("the quick brown fox\njumps", width: 10)
        XCTAssertEqual(lines.map(\.line), ["the quick", "brown fox", "jumps"])
        XCTAssertEqual(lines.map(\.start), [0, 10, 20])
    }

    func testLongWordsBreakAndWideCharactersCountTwo() {
        XCTAssertEqual(TextWidth.wrap("abcdefghij", width: 4), ["abcd", "efgh", "ij"])
        XCTAssertEqual(TextWidth.of("日本"), 4)
        XCTAssertEqual(TextWidth.truncate("日本語です", to: 5), "日本…")
        XCTAssertEqual(TextWidth.pad("ab", to: 4, right: true), "  ab")
    }
}
