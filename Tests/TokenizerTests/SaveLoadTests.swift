import Foundation
import Tokenizer
import XCTest

/// `save` writes what `init(contentsOf:)` reads back to the same tokenizer; model directories with
/// tokenizer_config.json.
final class SaveLoadTests: XCTestCase {
    private var temporary: URL!

    override func setUpWithError() throws {
        temporary = FileManager.default.temporaryDirectory.appending(path: "tokenizer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: temporary)
    }

    /// Every variant survives save + load: same ids on every golden string, same vocabulary, same added tokens,
    /// and saving again gives the same file (the writer is deterministic and loses nothing it later needs).
    func testRoundTripEveryVariant() throws {
        let strings = try XCTUnwrap(Fixtures.golden).strings
        for variant in Fixtures.allVariants {
            let original = try Fixtures.tokenizer(variant)
            let url = temporary.appending(path: "\(variant).json")
            try original.save(to: url)
            let reloaded = try BPETokenizer(contentsOf: url)
            XCTAssertEqual(reloaded.vocabularySize, original.vocabularySize, variant)
            XCTAssertEqual(reloaded.addedTokens, original.addedTokens, variant)
            XCTAssertEqual(reloaded.preTokenizerSteps, original.preTokenizerSteps, variant)
            for string in strings {
                XCTAssertEqual(
                    reloaded.encode(string), original.encode(string), "\(variant): \(string.debugDescription)")
            }
            XCTAssertEqual(reloaded.tokenizerJSON(), original.tokenizerJSON(), variant)
        }
    }

    /// Sections this package does not interpret are written back as read (Llama-3's BOS-adding post-processor).
    func testKeepsPostProcessor() throws {
        let json = try Fixtures.tokenizer("llama3").tokenizerJSON()
        let saved = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let original = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.tokenizerURL("llama3"))) as? [String: Any])
        XCTAssertEqual(saved["post_processor"] as? NSDictionary, original["post_processor"] as? NSDictionary)
        XCTAssertEqual(saved["decoder"] as? NSDictionary, original["decoder"] as? NSDictionary)
        XCTAssertEqual(saved["pre_tokenizer"] as? NSDictionary, original["pre_tokenizer"] as? NSDictionary)
    }

    /// Merges written as "a b" strings (GPT-2's file, the gpt2 fixture) and as pairs (the llama3 fixture) both load;
    /// the writer uses pairs. Converting one form to the other changes nothing.
    func testMergeFormsAreEquivalent() throws {
        let data = try Data(contentsOf: Fixtures.tokenizerURL("gpt2"))
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var model = try XCTUnwrap(object["model"] as? [String: Any])
        let strings = try XCTUnwrap(model["merges"] as? [String])
        model["merges"] = strings.map { $0.split(separator: " ").map(String.init) }
        object["model"] = model
        let pairs = try BPETokenizer(json: try JSONSerialization.data(withJSONObject: object))
        let legacy = try BPETokenizer(json: data)
        for string in try XCTUnwrap(Fixtures.golden).strings {
            XCTAssertEqual(pairs.encode(string), legacy.encode(string))
        }
        XCTAssertTrue(legacy.tokenizerJSON().contains("\n      [\"Ġ\", \"s\"]"))
    }

    func testLookups() throws {
        let tokenizer = try Fixtures.tokenizer("gpt2")
        XCTAssertEqual(tokenizer.id(of: "<|endoftext|>"), 0)
        XCTAssertEqual(tokenizer.token(of: 2), "<|im_end|>")
        let space = try XCTUnwrap(tokenizer.id(of: "Ġ"))
        XCTAssertEqual(tokenizer.encode(" "), [space])
        XCTAssertEqual(tokenizer.token(of: space), "Ġ")
        XCTAssertNil(tokenizer.id(of: "not a token"))
        XCTAssertNil(tokenizer.token(of: -1))
        XCTAssertNil(tokenizer.token(of: Int32(tokenizer.vocabularySize)))
        XCTAssertEqual(tokenizer.decode([-5, Int32(tokenizer.vocabularySize) + 3]), "")
        // Without tokenizer_config.json, well-known names: <|im_end|> ends, nothing begins or pads.
        XCTAssertEqual(tokenizer.eosTokenId, 2)
        XCTAssertNil(tokenizer.bosTokenId)
        XCTAssertNil(tokenizer.padTokenId)
        XCTAssertNil(tokenizer.chatTemplateSource)
    }

    func testDirectoryWithConfig() throws {
        let directory = temporary.appending(path: "model")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Fixtures.tokenizerURL("smollm"), to: directory.appending(path: "tokenizer.json"))
        let smolLM2 = try XCTUnwrap(Fixtures.golden?.chat.templates["smollm2"])
        let config: [String: Any] = [
            "bos_token": "<|im_start|>",
            "eos_token": ["content": "<|im_end|>", "lstrip": false, "__type": "AddedToken"],
            "pad_token": "<|endoftext|>",
            "chat_template": [["name": "tool_use", "template": "x"], ["name": "default", "template": smolLM2]],
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appending(path: "tokenizer_config.json"))
        let tokenizer = try BPETokenizer.load(directory: directory)
        XCTAssertEqual(tokenizer.bosTokenId, 1)
        XCTAssertEqual(tokenizer.eosTokenId, 2)
        XCTAssertEqual(tokenizer.padTokenId, 0)
        XCTAssertEqual(tokenizer.chatTemplateSource, smolLM2)

        let copy = temporary.appending(path: "copy")
        try tokenizer.save(directory: copy)
        let reloaded = try BPETokenizer.load(directory: copy)
        XCTAssertEqual(reloaded.bosTokenId, 1)
        XCTAssertEqual(reloaded.eosTokenId, 2)
        XCTAssertEqual(reloaded.padTokenId, 0)
        XCTAssertEqual(reloaded.chatTemplateSource, smolLM2)
        XCTAssertEqual(try ChatTemplate.detect(from: try XCTUnwrap(reloaded.chatTemplateSource)),
                       .chatML(defaultSystem: ChatTemplate.smolLM2DefaultSystem))
    }

    func testDirectoryWithoutConfigUsesWellKnownNames() throws {
        let directory = temporary.appending(path: "bare")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Fixtures.tokenizerURL("llama3"), to: directory.appending(path: "tokenizer.json"))
        XCTAssertEqual(try BPETokenizer.load(directory: directory).eosTokenId, 2)
    }

    func testConfigNamingAnUnknownToken() throws {
        let directory = temporary.appending(path: "bad")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Fixtures.tokenizerURL("gpt2"), to: directory.appending(path: "tokenizer.json"))
        try Data(#"{"eos_token": "</s>"}"#.utf8).write(to: directory.appending(path: "tokenizer_config.json"))
        XCTAssertThrowsError(try BPETokenizer.load(directory: directory)) { error in
            XCTAssertTrue("\(error)".contains("eos_token \"</s>\""), "\(error)")
        }
    }
}
