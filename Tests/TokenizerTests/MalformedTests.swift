import Determinism
import Foundation
import TestSupport
import Tokenizer
import XCTest

/// Bad tokenizer.json files give a `TokenizerError` that says what is wrong, never a crash.
final class MalformedTests: XCTestCase {
    /// A tiny valid file: "ab" merges; bytes other than a, b and space have no token.
    private static var valid: [String: Any] {
        [
            "version": "1.0",
            "added_tokens": [["id": 4, "content": "<s>", "special": true, "normalized": false]],
            "normalizer": NSNull(),
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true],
            "decoder": ["type": "ByteLevel"],
            "model": ["type": "BPE", "vocab": ["a": 0, "b": 1, "ab": 2, "Ġ": 3, "<s>": 4], "merges": ["a b"]],
        ]
    }

    private func load(_ edit: (inout [String: Any]) -> Void) throws -> BPETokenizer {
        var object = Self.valid
        edit(&object)
        return try BPETokenizer(json: try JSONSerialization.data(withJSONObject: object))
    }

    private func model(_ edit: @escaping (inout [String: Any]) -> Void) -> (inout [String: Any]) -> Void {
        { object in
            var model = object["model"] as? [String: Any] ?? [:]
            edit(&model)
            object["model"] = model
        }
    }

    private func assertError(
        _ edit: (inout [String: Any]) -> Void, _ expected: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try load(edit), file: file, line: line) { error in
            XCTAssertTrue(error is TokenizerError, "\(type(of: error)): \(error)", file: file, line: line)
            XCTAssertTrue(
                "\(error)".contains(expected), "\"\(error)\" does not mention \(expected)", file: file, line: line)
        }
    }

    func testValidMinimalFile() throws {
        let tokenizer = try load { _ in }
        XCTAssertEqual(tokenizer.encode("ab ab<s>x"), [2, 3, 2, 4])
        XCTAssertEqual(tokenizer.decode([2, 3, 2, 4]), "ab ab<s>")
        XCTAssertEqual(tokenizer.decode([2, 4], skipSpecialTokens: true), "ab")
    }

    func testNotJSON() {
        for text in ["", "{", "[1, 2]", "null", "{\"model\": 3}"] {
            XCTAssertThrowsError(try BPETokenizer(json: Data(text.utf8))) { error in
                guard case .malformed? = error as? TokenizerError else { return XCTFail("\(text): \(error)") }
            }
        }
    }

    func testMissingOrMistypedSections() {
        assertError({ $0["model"] = nil }, "model")
        assertError(model { $0["vocab"] = ["a", "b"] }, "vocab")
        assertError(model { $0["vocab"] = nil }, "vocab")
        assertError(model { $0["merges"] = 7 }, "merges")
        assertError({ $0["added_tokens"] = [["id": "four", "content": "<s>"]] }, "added_tokens")
    }

    func testBadMerges() {
        assertError(model { $0["merges"] = ["a c"] }, "model.merges[0]: \"c\" is not in the vocabulary")
        assertError(model { $0["merges"] = ["a b c"] }, "model.merges[0]")
        assertError(model { $0["merges"] = [["a"]] }, "model.merges[0]: expected 2 tokens")
        assertError(model { $0["merges"] = [["b", "a"]] }, "\"ba\" is not in the vocabulary")
    }

    func testBadIds() {
        assertError(model { $0["vocab"] = ["a": -1] }, "out of range")
        assertError(model { $0["vocab"] = ["a": 1 << 40] }, "out of range")
        assertError(model { $0["vocab"] = ["a": 100_000_000] }, "out of range")
        assertError(model { $0["vocab"] = ["a": 0, "b": 0, "ab": 2] }, "both have id 0")
        assertError(model { $0["unk_token"] = "<unk>" }, "unk_token")
    }

    func testUnsupportedComponents() {
        assertError({ $0["normalizer"] = ["type": "NFC"] }, "normalizer {\"type\": \"NFC\"}")
        assertError({ $0["pre_tokenizer"] = ["type": "Whitespace"] }, "Whitespace")
        assertError({ $0["pre_tokenizer"] = NSNull() }, "pre_tokenizer")
        assertError(
            { $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [
                ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true], ["type": "Digits"]]] },
            "exactly one ByteLevel step, last")
        let regex = #"\w+|[^\w\s]+"#
        assertError(
            { $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": regex], "behavior": "Isolated", "invert": false],
                ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false]]] },
            "Split regex \(regex) is not one of the implemented patterns")
        assertError(
            { $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": SplitPattern.gpt2.regex], "behavior": "Removed",
                 "invert": false],
                ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false]]] },
            "Removed")
        assertError({ $0["decoder"] = ["type": "Metaspace"] }, "decoder")
        assertError({ $0["decoder"] = nil }, "decoder")
        assertError(model { $0["type"] = "WordPiece" }, "WordPiece")
        assertError(model { $0["byte_fallback"] = true }, "byte_fallback")
        assertError(model { $0["dropout"] = 0.1 }, "dropout")
        assertError(model { $0["continuing_subword_prefix"] = "##" }, "continuing_subword_prefix")
    }

    func testMissingFile() {
        XCTAssertThrowsError(try BPETokenizer(contentsOf: URL(fileURLWithPath: "/nonexistent/tokenizer.json")))
        XCTAssertThrowsError(try BPETokenizer.load(directory: URL(fileURLWithPath: "/nonexistent")))
    }

    /// Truncated and byte-flipped versions of a real file either load (and then encode and decode without
    /// trouble) or throw. Seeded; the seed is in the failure message.
    func testCorruptedFilesNeverCrash() throws {
        let original = try Data(contentsOf: Fixtures.tokenizerURL("llama3"))
        let seed = testSeed(#function, default: 0x70C0_FFEE)
        var rng = SplitMix64(seed: seed)
        var loaded = 0
        for trial in 0..<40 {
            var data = original
            if trial % 2 == 0 {
                data = data.prefix(Int(rng.next() % UInt64(data.count)))
            } else {
                for _ in 0..<4 { data[Int(rng.next() % UInt64(data.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            do {
                let tokenizer = try BPETokenizer(json: data)
                loaded += 1
                let ids = tokenizer.encode("Hello, wörld 123 <|im_end|> 🙂")
                _ = tokenizer.decode(ids + [-1, 5_000_000])
            } catch {
                XCTAssertTrue(error is TokenizerError, "seed \(seed), trial \(trial): \(error)")
            }
        }
        XCTAssertLessThan(loaded, 40)
    }
}
