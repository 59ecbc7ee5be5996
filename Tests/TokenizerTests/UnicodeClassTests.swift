import Foundation
import XCTest

@testable import Tokenizer

/// The split patterns' character classes against Oniguruma's (recorded through `tokenizers` for every code point
/// in unicode_classes.json): a difference here is a difference in ids for text using that character.
final class UnicodeClassTests: XCTestCase {
    func testEveryCodePointMatchesOniguruma() throws {
        let data = try Data(contentsOf: Fixtures.directory.appending(path: "unicode_classes.json"))
        let runs = try JSONDecoder().decode([[UInt32]].self, from: data)
        var differences: [String] = []
        for (r, run) in runs.enumerated() {
            let end = r + 1 < runs.count ? runs[r + 1][0] : 0x110000
            let expected = try XCTUnwrap(ScalarClass(rawValue: UInt8(run[1])))
            for value in run[0]..<end where !(0xD800...0xDFFF).contains(value) {
                let found = ScalarClass.of(value)
                if found != expected {
                    differences.append("U+\(String(value, radix: 16)): \(found), Oniguruma \(expected)")
                }
            }
        }
        XCTAssertTrue(
            differences.isEmpty,
            "\(differences.count) code points classified differently:\n"
                + differences.prefix(20).joined(separator: "\n"))
    }
}
