import Foundation
import Model
import Preference
import TestSupport
import Tokenizer
import XCTest
@testable import Training

/// What `dpo eval` computes, on a model directory saved by `transformers`, against PyTorch: a tokenizer and a
/// Llama loaded through the real loaders, a committed TRL-standard pair file tokenized with the default settings,
/// and each pair's summed chosen/rejected log-probs (prefix-shared packed batches) within 1e-3 of PyTorch's.
/// Fixture: `Tests/Fixtures/golden/eval_model/`, written by `Tests/Fixtures/make_eval_golden.py`.
final class EvalGoldenTests: XCTestCase {
    private static let directory = RepositoryPaths.fixture("golden/eval_model")

    /// One record of expected.json.
    private struct Expected: Decodable {
        let promptIds: [Int32]
        let chosenIds: [Int32]
        let rejectedIds: [Int32]
        let chosen: Double
        let rejected: Double
        let chosenTokens: Int
        let rejectedTokens: Int

        enum CodingKeys: String, CodingKey {
            case promptIds = "prompt_ids", chosenIds = "chosen_ids", rejectedIds = "rejected_ids"
            case chosen = "logps/chosen", rejected = "logps/rejected"
            case chosenTokens = "chosen_tokens", rejectedTokens = "rejected_tokens"
        }
    }

    private func expected() throws -> [Expected] {
        try JSONDecoder().decode(
            [Expected].self, from: Data(contentsOf: Self.directory.appendingPathComponent("expected.json")))
    }

    private func pairs() throws -> [TokenizedPair] {
        let tokenizer = try BPETokenizer.load(directory: Self.directory)
        XCTAssertEqual(tokenizer.eosTokenId, 0)
        XCTAssertNil(tokenizer.bosTokenId)
        let data = try PreferenceDataset.load(
            contentsOf: Self.directory.appendingPathComponent("pairs.jsonl"), encoder: tokenizer)
        XCTAssertEqual(data.report.kept, 6)
        XCTAssertEqual(data.report.truncated, 0)
        XCTAssertTrue(data.unpaired.isEmpty)
        return data.pairs
    }

    /// Tokenization alone, so that a mismatch here is not mistaken for a numerical one.
    func testTokenIdsMatchTransformers() throws {
        let pairs = try pairs()
        let expected = try expected()
        XCTAssertEqual(pairs.count, expected.count)
        for (i, (pair, want)) in zip(pairs, expected).enumerated() {
            XCTAssertEqual(pair.prompt, want.promptIds, "record \(i + 1): prompt ids")
            XCTAssertEqual(pair.chosen, want.chosenIds, "record \(i + 1): chosen ids")
            XCTAssertEqual(pair.rejected, want.rejectedIds, "record \(i + 1): rejected ids")
        }
    }

    func testSummedLogProbsMatchPyTorch() throws {
        let model = try Transformer.load(directory: Self.directory)
        let pairs = try pairs()
        let expected = try expected()
        XCTAssertEqual(pairs.count, expected.count)
        // 4: a full batch and a partial one, as `dpo eval` runs it; 1: no packing across pairs.
        for batchSize in [4, 1] {
            let sums = try completionSums(model: model, pairs: pairs, batchSize: batchSize)
            XCTAssertEqual(sums.count, expected.count)
            var worst = 0.0
            for (i, (got, want)) in zip(sums, expected).enumerated() {
                let label = "record \(i + 1), batch size \(batchSize)"
                XCTAssertEqual(got.chosenTokens, want.chosenTokens, "\(label): chosen tokens")
                XCTAssertEqual(got.rejectedTokens, want.rejectedTokens, "\(label): rejected tokens")
                XCTAssertEqual(got.chosen, want.chosen, accuracy: 1e-3, "\(label): chosen log-prob")
                XCTAssertEqual(got.rejected, want.rejected, accuracy: 1e-3, "\(label): rejected log-prob")
                worst = max(worst, abs(got.chosen - want.chosen), abs(got.rejected - want.rejected))
            }
            print("EvalGoldenTests: batch size \(batchSize), max |Swift - PyTorch| summed log-prob \(worst)")
        }
    }
}
