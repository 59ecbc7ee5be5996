import Foundation
import Model
import Preference
import TestSupport
import Tokenizer
import XCTest
@testable import Training

/// Online DPO: pairs sampled from the policy and judged, then DPO against a reference held in memory.
final class OnlineDPOTests: XCTestCase {
    /// Scores fixed in advance, one per completion in sampling order.
    private struct FixedJudge: Judge {
        let values: [Double]
        var name: String { "fixed" }
        func scores(prompts: [String], completions: [String]) -> [Double] { Array(values.prefix(completions.count)) }
    }

    private var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("dpo-online") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func fixture() throws -> (model: Transformer, tokenizer: BPETokenizer, prompts: [TokenizedPair]) {
        let folder = RepositoryPaths.fixture("golden/eval_model")
        let tokenizer = try BPETokenizer.load(directory: folder)
        let prompts = ["The film was", "I watched it and", "Honestly, the plot", "Its ending"].enumerated().map { index, text in
            TokenizedPair(prompt: tokenizer.encode(text), chosen: [], rejected: [], source: SourceLocation(file: "prompts", line: index + 1))
        }
        return (try Transformer.load(directory: folder), tokenizer, prompts)
    }

    private func experiment(_ overrides: [String] = []) throws -> Experiment {
        var experiment = Experiment()
        try experiment.apply(overrides: ["per_device_train_batch_size=4", "max_steps=1", "learning_rate=0.01", "save_steps=100",
                                         "online.max_new_tokens=6", "online.temperature=1"] + overrides)
        return experiment
    }

    /// One online step equals the offline DPO step on the pairs it generated: same loss, rewards, log-probs and
    /// gradient norm, since the judged pairs are packed and differentiated exactly as offline pairs are.
    func testAnOnlineStepIsTheOfflineStepOnItsPairs() throws {
        let (model, tokenizer, prompts) = try fixture()
        let settings = try experiment(["online.enabled=true"])
        let online = OnlinePairs(settings: settings.online, seed: settings.seed, tokenizer: tokenizer,
                                 judge: GroundTruthJudge(task: BuiltinTasks.named("sentiment")!))

        let onlineStage = PreferenceStage(experiment: settings, model: try model.copy(), train: prompts, eval: [], reference: nil,
                                          run: try RunDirectory.create(in: directory, name: "online"), control: RunControl(), emit: { _ in })
        onlineStage.online = online
        onlineStage.referenceModel = try model.copy()
        let order = onlineStage.microBatch(0)
        let judged = try online.pairs(policy: model, prompts: order.map { prompts[$0] }, microBatch: 0)
        let onlineMetrics = try onlineStage.trainStep(1)

        let pairs = judged.map(\.pair)
        let offlineStage = PreferenceStage(experiment: try experiment(["train_sampling_strategy=sequential"]), model: try model.copy(), train: pairs, eval: [], reference: nil,
                                           run: try RunDirectory.create(in: directory, name: "offline"), control: RunControl(),
                                           emit: { _ in })
        var reference = ReferenceLogProbs(key: "offline", train: [:], eval: [])
        _ = try reference.complete(model: model, train: pairs, batches: 1, batch: offlineStage.microBatch, eval: [], evalBatchSize: 1)
        offlineStage.reference = reference
        let offlineMetrics = try offlineStage.trainStep(1)

        for key in ["loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies", "logps/chosen", "logps/rejected", "grad_norm"] {
            let a = try XCTUnwrap(onlineMetrics[key], key), b = try XCTUnwrap(offlineMetrics[key], key)
            XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(b)), key)
        }
        XCTAssertEqual(onlineMetrics["loss"]!, log(2), accuracy: 1e-12, "policy = reference at step 1")
        XCTAssertEqual(onlineMetrics["objective/kl"]!, 0, accuracy: 1e-12)
        XCTAssertGreaterThanOrEqual(onlineMetrics["objective/scores_margin"]!, 0, "chosen scores at least the rejected")
        let written = try onlineStage.runDirectory.records(RunDirectory.generatedPairsFile)
        XCTAssertEqual(written.count, prompts.count)
        XCTAssertEqual(written.map { $0["chosen"] as? String }, judged.map(\.chosen))
        XCTAssertEqual(written.first?["judge"] as? String, "ground_truth:sentiment")
        // And it is a preference file like any other: TRL's standard format, every row a pair.
        let file = try RecordLoader.load(contentsOf: onlineStage.runDirectory.url.appendingPathComponent(RunDirectory.generatedPairsFile))
        XCTAssertEqual(file.format, .standard)
        XCTAssertEqual(file.records.count, prompts.count)
        XCTAssertTrue(file.problems.isEmpty, "\(file.problems)")
    }

    /// TRL's rules: the higher score is chosen, the first completion on a tie, and `missing_eos_penalty` comes
    /// off every completion that does not end with EOS (none does in 2 tokens here).
    func testTiesKeepTheFirstCompletionAndMissingEOSIsPenalized() throws {
        let (model, tokenizer, prompts) = try fixture()
        var settings = try experiment(["online.max_new_tokens=2"]).online
        settings.missingEOSPenalty = 0.25
        let judged = try OnlinePairs(settings: settings, seed: 7, tokenizer: tokenizer, judge: FixedJudge(values: [0.5, 0.5, 0.2, 0.9]))
            .pairs(policy: model, prompts: Array(prompts.prefix(2)), microBatch: 0)
        let unjudged = try OnlinePairs(settings: settings, seed: 7, tokenizer: tokenizer, judge: FixedJudge(values: [0, 1, 1, 0]))
            .pairs(policy: model, prompts: Array(prompts.prefix(2)), microBatch: 0)
        // Same seed, same samples: the first prompt's completions are the same two, ordered by each judge.
        XCTAssertEqual(judged[0].pair.chosen, unjudged[0].pair.rejected, "tie: the first completion is chosen")
        XCTAssertEqual(judged[1].pair.chosen, unjudged[1].pair.rejected, "0.9 beats 0.2: the second completion (1, 0 chose the first)")
        XCTAssertFalse(judged.contains { $0.endsWithEOS.chosen || $0.endsWithEOS.rejected })
        for (actual, expected) in zip(judged.flatMap { [$0.chosenScore, $0.rejectedScore] }, [0.25, 0.25, 0.65, -0.05]) {
            XCTAssertEqual(actual, expected, accuracy: 1e-12, "each score minus the penalty")
        }
    }

    /// The objective metrics on a worked pair: completions' summed log-probs −3, −5 (policy) and −4, −4 (reference),
    /// scores 0.8 and 0.2, β 0.1.
    func testObjectiveMetricsOnAWorkedPair() {
        let pair = TokenizedPair(prompt: [1], chosen: [2], rejected: [3], source: SourceLocation(file: "w", line: 1))
        let judged = OnlinePairs.Judged(pair: pair, prompt: "p", chosen: "c", rejected: "r", chosenScore: 0.8, rejectedScore: 0.2,
                                        endsWithEOS: (true, false))
        let input = PairLogProbs(policyChosen: -3, policyRejected: -5, referenceChosen: -4, referenceRejected: -4,
                                 chosenTokens: 1, rejectedTokens: 1)
        let metrics = OnlinePairs.metrics([judged], [input], beta: 0.1)
        XCTAssertEqual(metrics["objective/kl"]!, 0, accuracy: 1e-12, "(+1 − 1) / 2")
        XCTAssertEqual(metrics["objective/entropy"]!, 4, accuracy: 1e-12, "−(−3 − 5) / 2")
        XCTAssertEqual(metrics["objective/scores"]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(metrics["objective/scores_margin"]!, 0.6, accuracy: 1e-12)
        XCTAssertEqual(metrics["objective/rlhf_reward"]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(metrics["val/contain_eos_token"]!, 0.5, accuracy: 1e-12)
    }
}
