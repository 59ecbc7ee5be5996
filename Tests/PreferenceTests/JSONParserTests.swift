import TestSupport
import XCTest
@testable import Preference

final class JSONParserTests: XCTestCase {
    func testParsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5e3, 0, true, false, null], "b": {"c": "d"}, "e": []} "#)
        XCTAssertEqual(
            value,
            .object([
                "a": .array([.number(1), .number(-2500), .number(0), .bool(true), .bool(false), .null]),
                "b": .object(["c": .string("d")]), "e": .array([]),
            ]))
    }

    func testDecodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#""q\"b\\s\/n\nt\tu\u00e9\uD83D\uDE00\b\f\r""#)
        XCTAssertEqual(value, .string("q\"b\\s/n\nt\tué😀\u{8}\u{c}\r"))
    }

    func testKeepsRawUnicode() throws {
        XCTAssertEqual(try JSONParser.parse("\"I’ll say 日本 🎬\""), .string("I’ll say 日本 🎬"))
    }

    func testLargeAndFractionalNumbers() throws {
        XCTAssertEqual(try JSONParser.parse("12345678901234567890"), .number(12345678901234567890))
        XCTAssertEqual(try JSONParser.parse("-0.125"), .number(-0.125))
        XCTAssertEqual(try JSONParser.parse("1E2"), .number(100))
    }

    func testRejectsWhatStrictJSONForbids() {
        let cases: [(String, String)] = [
            ("[1, 2,]", "expected a value"),
            ("{\"a\": 1,}", "expected a string key"),
            ("01", "leading zero"),
            ("1.", "after '.'"),
            ("NaN", "expected a value"),
            ("{\"a\": 1, \"a\": 2}", "duplicate key \"a\""),
            ("\"\\uD83D\"", "unpaired surrogate"),
            ("\"\\uDE00x\"", "unpaired surrogate"),
            ("\"\\x\"", "invalid escape"),
            ("\"a\nb\"", "control character"),
            ("\"abc", "unterminated string"),
            ("tru", "invalid literal"),
            ("{} {}", "expected the end of the input"),
            ("1e999", "out of range"),
            ("// c\n1", "expected a value"),
            ("", "unexpected end of input"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try JSONParser.parse(text), text) { error in
                let message = (error as? JSONSyntaxError)?.message ?? ""
                XCTAssertTrue(message.contains(expected), "\(text): \(message)")
            }
        }
    }

    func testReportsInvalidUTF8WithItsOffset() {
        let bytes: [UInt8] = Array("{\"k\": \"ab".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
        XCTAssertThrowsError(try JSONParser.parse(bytes)) { error in
            let syntax = error as? JSONSyntaxError
            XCTAssertEqual(syntax?.kind, .invalidUTF8)
            XCTAssertEqual(syntax?.offset, 9)
        }
        let escaped: [UInt8] = Array("\"\\n".utf8) + [0xED, 0xA0, 0x80] + Array("\"".utf8)
        XCTAssertThrowsError(try JSONParser.parse(escaped)) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.kind, .invalidUTF8)
            XCTAssertEqual((error as? JSONSyntaxError)?.offset, 3)
        }
        XCTAssertThrowsError(try JSONParser.parse([0xFF])) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.kind, .invalidUTF8)
        }
    }

    func testValidUTF8ThatLooksLikeARepairIsKept() throws {
        for text in ["replacement \u{FFFD} char in a long string", "\u{F000}\u{FFFD}", "x\n\u{FFFD}"] {
            XCTAssertEqual(try JSONParser.parse(JSON.string(text).serialized), .string(text))
        }
        // F0 90 80 is one maximal ill-formed subpart: repairing it keeps the byte count, so counts can't tell.
        let bytes: [UInt8] = Array("\"0123456789".utf8) + [0xF0, 0x90, 0x80] + Array("abc\"".utf8)
        XCTAssertThrowsError(try JSONParser.parse(bytes)) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.offset, 11)
        }
    }

    /// Random byte strings inside quotes: the parser accepts exactly what the standard library's validator accepts.
    func testUTF8CheckAgreesWithTheStandardLibrary() {
        let seed = testSeed(#function)
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let pool: [UInt8] = Array("abc xyz".utf8) + Array(0x80...0xFF)
        for _ in 0..<20_000 {
            let content = (0..<Int(next() % 24)).map { _ in pool[Int(next()) % pool.count] }
            let escape: [UInt8] = next() % 4 == 0 ? Array("\\n".utf8) : []
            let body = escape + content
            let decoded = (escape.isEmpty ? [] : [0x0A]) + content
            let expected = String(validating: body, as: UTF8.self) == nil ? nil : String(validating: decoded, as: UTF8.self)
            let parsed = try? JSONParser.parse([UInt8(ascii: "\"")] + body + [UInt8(ascii: "\"")])
            XCTAssertEqual(parsed, expected.map { .string($0) }, "seed \(seed), bytes \(body)")
        }
    }

    func testBoundsNesting() throws {
        let deep = String(repeating: "[", count: JSONParser.maximumDepth)
            + String(repeating: "]", count: JSONParser.maximumDepth)
        XCTAssertNoThrow(try JSONParser.parse(deep))
        XCTAssertThrowsError(try JSONParser.parse("[" + deep + "]")) { error in
            XCTAssertTrue("\(error)".contains("nested deeper"))
        }
    }

    func testArrayElementsCarryTheirOffsets() throws {
        let text = "[\n {\"a\": 1},\n {\"a\": 2}\n]"
        let elements = try Array(text.utf8).withUnsafeBytes { try JSONParser.parseArrayElements($0) }
        XCTAssertEqual(elements.map(\.offset), [3, 14])
        XCTAssertEqual(elements[1].value["a"], .number(2))
    }
}
