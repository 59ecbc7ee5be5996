import XCTest
@testable import Preference

final class JSONLinesTests: XCTestCase {
    func testNumbersLinesLikeAnEditorAndSkipsBlankOnes() {
        let text = "\u{FEFF}{\"a\":1}\r\n\n  \n{\"a\":2}\n{\"a\":3}"
        var seen: [(Int, String)] = []
        Array(text.utf8).withUnsafeBytes { buffer in
            JSONLines.forEachLine(in: buffer) { line, bytes in
                seen.append((line, String(decoding: bytes, as: UTF8.self)))
            }
        }
        XCTAssertEqual(seen.map(\.0), [1, 4, 5])
        XCTAssertEqual(seen.map(\.1), ["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"])
    }

    func testTextPositionCountsLinesAndColumns() {
        Array("ab\ncd\nef".utf8).withUnsafeBytes { buffer in
            XCTAssertEqual(TextPosition(offset: 0, in: buffer), TextPosition(line: 1, column: 1))
            XCTAssertEqual(TextPosition(offset: 4, in: buffer), TextPosition(line: 2, column: 2))
            XCTAssertEqual(TextPosition(offset: 6, in: buffer), TextPosition(line: 3, column: 1))
        }
    }
}
