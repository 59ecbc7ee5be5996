import Foundation
import Model
import TestSupport
import Tokenizer
import XCTest

@testable import Training

/// A saved model directory names its special tokens for transformers: tokenizer_config.json for `AutoTokenizer`,
/// generation_config.json for `generate` (`Tests/Fixtures/check_model_directory.py` checks both in transformers).
final class ModelDirectoryTests: XCTestCase {
    func testTheDirectoryNamesEOSForTheTokenizerAndForGeneration() throws {
        let source = RepositoryPaths.fixture("golden/eval_model")
        let tokenizer = try BPETokenizer.load(directory: source)
        let model = try Transformer.load(directory: source)
        let eos = try XCTUnwrap(tokenizer.eosTokenId)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpo-model-directory-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }

        try saveModelDirectory(model, tokenizer: tokenizer, to: directory)

        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("tokenizer_config.json"))) as? [String: Any])
        XCTAssertEqual(config["eos_token"] as? String, tokenizer.decode([eos]))
        XCTAssertEqual(config["tokenizer_class"] as? String, "PreTrainedTokenizerFast")
        let generation = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("generation_config.json"))) as? [String: Any])
        XCTAssertEqual(generation["eos_token_id"] as? Int, Int(eos))
        XCTAssertNil(generation["bos_token_id"], "the fixture's tokenizer has no BOS, so none is invented")
        let reloaded = try BPETokenizer.load(directory: directory)
        XCTAssertEqual(reloaded.eosTokenId, eos)
        XCTAssertEqual(try Transformer.load(directory: directory).config, model.config)
    }
}
