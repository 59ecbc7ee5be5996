import Foundation
import Tokenizer
import XCTest

/// `BPETokenizer(gguf:)`: the fixture tokenizers respelled as a GGUF file stores them (`tokenizer.ggml.tokens` by
/// id, merges as "left right", added tokens marked control) must encode every golden string as Python
/// `tokenizers` did with the original tokenizer.json. The real SmolLM2 file is checked in TrainingTests
/// (GGUFSmolLM2TokenizerTests), where the GGUF reader is available.
final class GGUFVocabularyTests: XCTestCase {
    /// The GGUF metadata llama.cpp's converter writes for a tokenizer.json.
    private func vocabulary(_ variant: String, pre: String) throws -> GGUFVocabulary {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.tokenizerURL(variant))) as! [String: Any]
        let model = json["model"] as! [String: Any]
        let vocab = model["vocab"] as! [String: Int]
        var tokens = [String](repeating: "", count: vocab.count)
        for (token, id) in vocab { tokens[id] = token }
        var types = [Int](repeating: 1, count: tokens.count)
        for added in json["added_tokens"] as! [[String: Any]] {
            types[added["id"] as! Int] = (added["special"] as! Bool) ? 3 : 4
        }
        let merges = (model["merges"] as! [Any]).map { merge in
            (merge as? String) ?? (merge as! [String]).joined(separator: " ")
        }
        return GGUFVocabulary(
            model: "gpt2", pre: pre, tokens: tokens, tokenTypes: types, merges: merges, bosTokenId: 1, eosTokenId: 2,
            paddingTokenId: 2, chatTemplate: ChatTemplate.chatML(defaultSystem: ChatTemplate.smolLM2DefaultSystem).jinja)
    }

    func testSmolLMDigitsThenGPT2() throws { try check("smollm", pre: "smollm") }
    func testGPT2() throws { try check("gpt2", pre: "gpt-2") }
    /// llama.cpp's Llama-3 types ignore merges; the fixture with `ignore_merges: true` is the one to match.
    func testLlama3IgnoresMerges() throws { try check("ignore_merges", pre: "llama-bpe") }

    private func check(_ variant: String, pre: String) throws {
        let golden = try XCTUnwrap(Fixtures.golden)
        let expected = try XCTUnwrap(golden.variants[variant])
        let tokenizer = try BPETokenizer(gguf: vocabulary(variant, pre: pre))
        XCTAssertEqual(tokenizer.vocabularySize, expected.vocabSize)
        var failures = 0
        for (i, string) in golden.strings.enumerated() where tokenizer.encode(string) != expected.ids[i] {
            failures += 1
            if failures <= 3 { XCTFail("\(variant): \(string.debugDescription) → \(tokenizer.encode(string)), python \(expected.ids[i])") }
        }
        XCTAssertEqual(failures, 0, "\(variant): \(failures) of \(golden.strings.count) strings differ")
        for (i, ids) in expected.ids.enumerated() {
            XCTAssertEqual(tokenizer.decode(ids), expected.decoded[i] ?? golden.strings[i])
        }
        XCTAssertEqual(tokenizer.bosTokenId, 1)
        XCTAssertEqual(tokenizer.eosTokenId, 2)
        XCTAssertEqual(tokenizer.padTokenId, 2)
        XCTAssertEqual(try ChatTemplate.detect(from: XCTUnwrap(tokenizer.chatTemplateSource)),
                       .chatML(defaultSystem: ChatTemplate.smolLM2DefaultSystem))
        XCTAssertEqual(tokenizer.encode("<|im_start|>user\n"), [1] + tokenizer.encode("user\n"))
    }

    /// What `save(directory:)` writes loads back as the same tokenizer, and names SmolLM2's digit split the way its
    /// own tokenizer.json does.
    func testSavedDirectoryLoadsBackTheSameTokenizer() throws {
        let tokenizer = try BPETokenizer(gguf: vocabulary("smollm", pre: "smollm"))
        let directory = FileManager.default.temporaryDirectory.appending(path: "gguf-vocabulary-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try tokenizer.save(directory: directory)
        let reloaded = try BPETokenizer.load(directory: directory)
        XCTAssertEqual(reloaded.preTokenizerSteps, [
            .digits(individualDigits: true), .byteLevel(addPrefixSpace: false, trimOffsets: true, useRegex: true),
        ])
        for string in try XCTUnwrap(Fixtures.golden).strings { XCTAssertEqual(reloaded.encode(string), tokenizer.encode(string)) }
        XCTAssertEqual(reloaded.eosTokenId, 2)
        XCTAssertEqual(reloaded.chatTemplateSource, tokenizer.chatTemplateSource)
    }

    func testUnsupportedAndMalformedVocabulariesAreErrors() throws {
        let valid = try vocabulary("smollm", pre: "smollm")
        func expect(_ change: (inout GGUFVocabulary) -> Void, _ fragment: String, line: UInt = #line) {
            var vocabulary = valid
            change(&vocabulary)
            XCTAssertThrowsError(try BPETokenizer(gguf: vocabulary), line: line) {
                XCTAssertTrue("\($0)".contains(fragment), "\"\($0)\" lacks \"\(fragment)\"", line: line)
            }
        }
        expect({ $0.model = "llama" }, "tokenizer.ggml.model 'llama'")
        expect({ $0.pre = "qwen2" }, "tokenizer.ggml.pre 'qwen2' (implemented: smollm, gpt-2")
        expect({ $0.pre = nil }, "without tokenizer.ggml.pre")
        expect({ $0.merges[5] = "nospace" }, "merges[5]")
        expect({ $0.merges[5] = "Ġ zzzz" }, "\"zzzz\" is not in the vocabulary")
        expect({ $0.tokenTypes?.removeLast() }, "token_type has 1279 entries for 1280 tokens")
        expect({ $0.eosTokenId = 5000 }, "eos_token_id 5000 is outside")
    }
}
