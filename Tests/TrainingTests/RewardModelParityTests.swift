import Foundation
import Model
import Preference
import TestSupport
import Tokenizer
import XCTest
@testable import Training

/// Our reward model against transformers' `LlamaForSequenceClassification` on the directory our code writes:
/// the same token ids for (prompt, completion) texts and the same scores, which transformers computes on one
/// right-padded batch (so `pad_token_id` and its last-non-pad-token rule are exercised). Golden file:
/// `Tests/Fixtures/golden/reward/expected.json`, written by `Tests/Fixtures/make_reward_golden.py`.
final class RewardModelParityTests: XCTestCase {
    private struct Golden: Decodable {
        struct Case: Decodable {
            let prompt: String
            let completion: String
            let prompt_ids: [Int32]
            let completion_ids: [Int32]
            let score: Double
        }
        let cases: [Case]
        let versions: [String: String]
    }

    private let fixture = RepositoryPaths.fixture("golden/reward")

    /// The committed directory: the golden eval model's trunk (`golden/eval_model`, a tiny untied Llama) with a
    /// seeded score weight of standard deviation 1, so that scores are of order one.
    private func makeFixture(in directory: URL) throws {
        let source = RepositoryPaths.fixture("golden/eval_model")
        let tokenizer = try BPETokenizer.load(directory: source)
        let model = try RewardModel(languageModel: try Transformer.load(directory: source),
                                    padTokenId: RewardModel.padToken(eos: tokenizer.eosTokenId, pad: tokenizer.padTokenId),
                                    seed: 12, std: 1)
        try model.save(directory: directory)
        try tokenizer.save(directory: directory)
    }

    /// The committed model files are what the code writes today (`WORKBENCH_RECORD=1` rewrites them and fails, so
    /// that the golden scores are made again with the script).
    func testFixtureIsWhatOurCodeWrites() throws {
        if ProcessInfo.processInfo.environment["WORKBENCH_RECORD"] == "1" {
            try makeFixture(in: fixture)
            XCTFail("recorded \(fixture.path); run Tests/Fixtures/make_reward_golden.py to make expected.json again")
            return
        }
        let directory = try makeTemporaryDirectory("dpo-reward-fixture")
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeFixture(in: directory)
        for file in ["config.json", "model.safetensors", "tokenizer.json"] {
            XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent(file)),
                           try Data(contentsOf: fixture.appendingPathComponent(file)), file)
        }
    }

    func testTokenIdsAndScoresMatchTransformers() throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: fixture.appendingPathComponent("expected.json")))
        print("golden made with \(golden.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        let tokenizer = try BPETokenizer.load(directory: fixture)
        let encoder = PairEncoder(encoder: tokenizer, chatTemplate: DatasetSettings().chatTemplate)
        for (index, golden) in golden.cases.enumerated() {
            let ids = try encoder.encode(UnpairedExample(prompt: .text(golden.prompt), completion: .text(golden.completion),
                                                         isDesirable: true, source: SourceLocation(file: "golden", line: index + 1)))
            XCTAssertEqual(ids.prompt, golden.prompt_ids, "case \(index) prompt")
            XCTAssertEqual(ids.completion, golden.completion_ids, "case \(index) completion")
        }
        let judge = try RewardModelJudge(directory: fixture, batchSize: 2)
        XCTAssertEqual(judge.name, "reward_model:reward")
        let scores = judge.scores(prompts: golden.cases.map(\.prompt), completions: golden.cases.map(\.completion))
        let worst = zip(scores, golden.cases).map { abs($0 - $1.score) }.max()!
        print("reward scores: max |ours − transformers| = \(worst)")
        for (index, (ours, golden)) in zip(scores, golden.cases).enumerated() {
            XCTAssertEqual(ours, golden.score, accuracy: 1e-4, "case \(index)")
        }
    }
}
