import Foundation
import Model
import TestSupport
import Tokenizer
import XCTest
@testable import Training

/// The whole import path on the real SmolLM2 GGUF file (fetched by scripts/fetch-smollm2.sh, which `make test`
/// runs): `importGGUF` gives a tokenizer that encodes the reference prompts to the ids transformers used
/// (Tests/Fixtures/gguf/smollm2_reference.json), renders the chat prompt from the file's own template, and
/// decodes the greedy answer to the reference text; the imported Hugging Face directory loads back to the same
/// model and tokenizer. The model's numbers are checked in ModelTests (GGUFSmolLM2Tests).
final class GGUFSmolLM2ImportTests: XCTestCase {
    private struct Reference: Decodable {
        struct Prompt: Decodable { let text: String; let ids: [Int32] }
        struct Greedy: Decodable { let completion_ids: [Int32]; let completion_text: String }
        let prompts: [Prompt]
        let greedy: [Greedy]
    }

    private static let root = RepositoryPaths.root

    private var gguf: URL {
        get throws {
            if ProcessInfo.processInfo.environment["DPO_SKIP_SMOLLM2"] == "1" {
                throw XCTSkip("DPO_SKIP_SMOLLM2=1: the SmolLM2 GGUF tests were asked to be skipped")
            }
            let url = ProcessInfo.processInfo.environment["DPO_SMOLLM2_GGUF"].map(URL.init(fileURLWithPath:))
                ?? Self.root.appendingPathComponent("models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
            guard FileManager.default.fileExists(atPath: url.path) else {
                XCTFail("\(url.path) is missing: run scripts/fetch-smollm2.sh (or `make test`, which runs it), or point "
                    + "DPO_SMOLLM2_GGUF at the file")
                throw CocoaError(.fileNoSuchFile)
            }
            return url
        }
    }

    private var reference: Reference {
        get throws {
            try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.root.appendingPathComponent(
                "Tests/Fixtures/gguf/smollm2_reference.json")))
        }
    }

    func testTokenizerAndChatTemplateMatchTheReference() throws {
        let (model, tokenizer) = try importGGUF(file: gguf)
        let reference = try reference
        XCTAssertEqual(tokenizer.vocabularySize, model.config.vocabSize)
        XCTAssertEqual(tokenizer.preTokenizerSteps, [
            .digits(individualDigits: true), .byteLevel(addPrefixSpace: false, trimOffsets: true, useRegex: true),
        ])
        XCTAssertEqual(tokenizer.bosTokenId, 1)
        XCTAssertEqual(tokenizer.eosTokenId, 2)
        let template = try ChatTemplate.detect(from: XCTUnwrap(tokenizer.chatTemplateSource))
        XCTAssertEqual(template, .chatML(defaultSystem: ChatTemplate.smolLM2DefaultSystem))
        let chat = template.render([ChatMessage(role: "user", content: "What is the capital of France?")], addGenerationPrompt: true)
        XCTAssertEqual(chat, reference.prompts[0].text)
        for prompt in reference.prompts {
            XCTAssertEqual(tokenizer.encode(prompt.text), prompt.ids, prompt.text)
        }
        XCTAssertEqual(tokenizer.encode("2024"), tokenizer.encode("2") + tokenizer.encode("0") + tokenizer.encode("2") + tokenizer.encode("4"))
        for greedy in reference.greedy {
            XCTAssertEqual(tokenizer.decode(greedy.completion_ids, skipSpecialTokens: true), greedy.completion_text)
        }
    }

    /// `dpo model import` writes this directory; `dpo sample`, `dpo eval` and training read it back.
    func testImportedDirectoryLoadsBackTheSameModelAndTokenizer() throws {
        let source = try gguf
        var started = Date()
        func lap(_ what: String) {
            print(String(format: "%@: %.1f s", what, Date().timeIntervalSince(started)))
            started = Date()
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-import-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let link = scratch.appendingPathComponent("smollm2.gguf")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: source)
        let directory = try importedGGUFDirectory(file: link)
        XCTAssertEqual(directory.lastPathComponent, "smollm2")
        lap("import to a directory")
        let (model, tokenizer) = try importGGUF(file: source)
        lap("import in memory")
        let loaded = try Transformer.load(directory: directory)
        lap("load the directory's model")
        XCTAssertEqual(loaded.config, model.config)
        XCTAssertEqual(memcmp(loaded.parameters.pointer, model.parameters.pointer, 4 * model.parameterCount), 0)
        let reloaded = try BPETokenizer.load(directory: directory)
        for prompt in try reference.prompts { XCTAssertEqual(reloaded.encode(prompt.text), prompt.ids) }
        XCTAssertEqual(reloaded.chatTemplateSource, tokenizer.chatTemplateSource)
        XCTAssertEqual(reloaded.eosTokenId, 2)
        lap("compare")
        // A second call reuses the directory.
        let stamp = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("model.safetensors").path)[.modificationDate] as? Date
        XCTAssertEqual(try importedGGUFDirectory(file: link), directory)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("model.safetensors").path)[.modificationDate] as? Date, stamp)
    }
}
