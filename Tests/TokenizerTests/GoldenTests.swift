import Foundation
import Tokenizer
import XCTest

/// Every tokenizer variant against Python `tokenizers` on every golden string: ids, decoded text, and decoding of
/// cut-off and random id lists (invalid UTF-8 must be replaced exactly as Rust's `from_utf8_lossy` does).
final class GoldenTests: XCTestCase {
    func testGPT2() throws { try check("gpt2") }
    func testLlama3() throws { try check("llama3") }
    func testSmolLM() throws { try check("smollm") }
    func testIgnoreMerges() throws { try check("ignore_merges") }
    func testGPT2WithPrefixSpaceAndAddedTokens() throws { try check("gpt2_extras") }

    /// The tokenizer `TrainerTests` trains and records, as loaded and encoded by Python.
    func testSwiftTrained() throws { try check("swift_trained") }

    func testIgnoreMergesChangesIds() throws {
        let golden = try XCTUnwrap(Fixtures.golden)
        let withFlag = try XCTUnwrap(golden.variants["ignore_merges"]).ids
        let without = try XCTUnwrap(golden.variants["llama3"]).ids
        // Otherwise the ignore_merges fixture would not test the flag at all.
        XCTAssertGreaterThan(zip(withFlag, without).filter { $0 != $1 }.count, 10)
    }

    private func check(_ variant: String) throws {
        let golden = try XCTUnwrap(Fixtures.golden, "cannot read golden.json")
        let expected = try XCTUnwrap(
            golden.variants[variant],
            "golden.json has no \(variant): run make_tokenizer_golden.py (see its docstring for the order)")
        let tokenizer = try Fixtures.tokenizer(variant)
        XCTAssertEqual(tokenizer.vocabularySize, expected.vocabSize)

        var idFailures: [String] = []
        var decodeFailures: [String] = []
        for (i, string) in golden.strings.enumerated() {
            let ids = tokenizer.encode(string)
            if ids != expected.ids[i] {
                idFailures.append("\(string.debugDescription)\n  python \(expected.ids[i])\n  swift  \(ids)")
            }
            let decoded = expected.decoded[i] ?? string
            let skipped = expected.decodedSkipSpecial[i] ?? decoded
            if !sameScalars(tokenizer.decode(expected.ids[i]), decoded)
                || !sameScalars(tokenizer.decode(expected.ids[i], skipSpecialTokens: true), skipped)
            {
                let text = tokenizer.decode(expected.ids[i])
                decodeFailures.append("\(string.debugDescription): \(text.debugDescription)")
            }
        }
        XCTAssertTrue(
            idFailures.isEmpty,
            "\(variant): \(idFailures.count) of \(golden.strings.count) strings encode differently:\n"
                + idFailures.prefix(5).joined(separator: "\n"))
        XCTAssertTrue(
            decodeFailures.isEmpty,
            "\(variant): \(decodeFailures.count) decode differently:\n"
                + decodeFailures.prefix(5).joined(separator: "\n"))

        for decodeCase in expected.decodeCases {
            let text = tokenizer.decode(decodeCase.ids)
            let skipped = tokenizer.decode(decodeCase.ids, skipSpecialTokens: true)
            XCTAssertTrue(
                sameScalars(text, decodeCase.text) && sameScalars(skipped, decodeCase.textSkipSpecial),
                "\(variant): decode(\(decodeCase.ids)) = \(text.debugDescription), python "
                    + decodeCase.text.debugDescription)
        }
    }

    /// Byte-level BPE loses nothing: decoding the encoding gives the text back (without lstrip/rstrip tokens or an
    /// added prefix space, which the gpt2_extras variant has on purpose).
    func testDecodeInvertsEncode() throws {
        let golden = try XCTUnwrap(Fixtures.golden)
        for variant in Fixtures.allVariants where variant != "gpt2_extras" {
            let tokenizer = try Fixtures.tokenizer(variant)
            for string in golden.strings {
                let back = tokenizer.decode(tokenizer.encode(string))
                XCTAssertTrue(
                    sameScalars(back, string), "\(variant): \(string.debugDescription) → \(back.debugDescription)")
            }
        }
    }

    func testEmptyString() throws {
        for variant in Fixtures.allVariants {
            let tokenizer = try Fixtures.tokenizer(variant)
            XCTAssertEqual(tokenizer.encode(""), [])
            XCTAssertEqual(tokenizer.decode([]), "")
        }
    }
}
