import Foundation
import Model
import Preference
import TestSupport
import XCTest
@testable import Training

/// KTO trained here against TRL's `KTOTrainer` on the same tiny model, token ids and hyperparameters for three
/// AdamW steps: the reference log-probs, then each step's loss, KL reference point, rewards, log-probs and gradient
/// norm. Golden file: `Tests/Fixtures/golden/kto/expected.json`, written by `Tests/Fixtures/make_kto_golden.py`.
final class KTOParityTests: XCTestCase {
    private struct Golden: Decodable {
        struct Example: Decodable {
            let prompt_ids: [Int32]
            let completion_ids: [Int32]
            let kl_completion_ids: [Int32]
            let label: Bool
        }
        struct Initial: Decodable {
            let logp: Double
            let kl_logp: Double
        }
        let examples: [Example]
        let initial: [Initial]
        let steps: [[String: Double]]
    }

    private var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("dpo-kto-parity") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testThreeStepsMatchTRLsKTOTrainer() throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: RepositoryPaths.fixture("golden/kto/expected.json")))
        let model = try Transformer.load(directory: RepositoryPaths.fixture("golden/eval_model"))
        let pairs = golden.examples.enumerated().map { index, example in
            TokenizedPair(prompt: example.prompt_ids, chosen: example.completion_ids, rejected: example.kl_completion_ids,
                          source: SourceLocation(file: "kto", line: index + 1))
        }
        // Our unpaired view builds the same mismatched (KL) completions from the same rows.
        let rows = golden.examples.enumerated().map { index, example in
            TokenizedExample(prompt: example.prompt_ids, completion: example.completion_ids, isDesirable: example.label,
                             source: SourceLocation(file: "kto", line: index + 1))
        }
        let unpaired = KTOExamples(pairs: [], unpaired: rows, klBlock: pairs.count)
        XCTAssertEqual(unpaired.pairs, pairs)
        XCTAssertEqual(unpaired.desirable, golden.examples.map(\.label))

        var experiment = Experiment()
        try experiment.apply(overrides: [
            "loss_type=kto", "beta=0.1", "learning_rate=0.001", "lr_scheduler_type=constant", "warmup_steps=0",
            "per_device_train_batch_size=\(pairs.count)", "max_steps=\(golden.steps.count)", "max_grad_norm=1",
            "optim=adamw_torch", "weight_decay=0", "desirable_weight=1", "undesirable_weight=1", "save_steps=100",
        ])
        let stage = PreferenceStage(experiment: experiment, model: model, train: pairs, eval: [], reference: nil,
                                    run: try RunDirectory.create(in: directory, name: "kto"), control: RunControl(), emit: { _ in })
        stage.trainLabels = golden.examples.map(\.label)
        var reference = ReferenceLogProbs(key: "kto", train: [:], eval: [])
        _ = try reference.complete(model: model, train: pairs, batches: stage.microBatchCount, batch: stage.microBatch,
                                   eval: [], evalBatchSize: 1)
        for (index, initial) in golden.initial.enumerated() {
            let sums = try XCTUnwrap(reference.train[index])
            XCTAssertEqual(sums.chosen, initial.logp, accuracy: 1e-3, "example \(index)")
            XCTAssertEqual(sums.rejected, initial.kl_logp, accuracy: 1e-3, "example \(index)'s KL completion")
        }
        stage.reference = reference

        for (index, expected) in golden.steps.enumerated() {
            let ours = try stage.trainStep(index + 1)
            for key in ["loss", "kl", "rewards/chosen", "rewards/rejected", "logps/chosen", "logps/rejected", "grad_norm"] {
                let theirs = try XCTUnwrap(expected[key], "TRL logged no \(key)")
                let mine = try XCTUnwrap(ours[key], "we logged no \(key)")
                XCTAssertEqual(mine, theirs, accuracy: 5e-5 + 1e-4 * abs(theirs), "step \(index + 1) \(key)")
            }
            XCTAssertNil(ours["rewards/accuracies"], "KTO has no accuracy")
        }
    }

    /// Pairs become TRL's unpaired rows: per block of 1000, the chosen completions (desirable), then the rejected
    /// ones; each row's KL completion is the previous row's within its batch-sized block.
    func testPairsAreUnpairedAndMismatchedAsTRLDoes() {
        let pairs = (0..<3).map { i in
            TokenizedPair(prompt: [Int32(10 + i)], chosen: [Int32(20 + i)], rejected: [Int32(30 + i)], source: SourceLocation(file: "p", line: i + 1))
        }
        let kto = KTOExamples(pairs: pairs, unpaired: [], klBlock: 4)
        XCTAssertEqual(kto.desirable, [true, true, true, false, false, false])
        XCTAssertEqual(kto.pairs.map(\.prompt), [[10], [11], [12], [10], [11], [12]])
        XCTAssertEqual(kto.pairs.map(\.chosen), [[20], [21], [22], [30], [31], [32]])
        // Blocks of 4: rows 0–3 take completions of rows 3, 0, 1, 2; rows 4–5 take those of rows 5, 4.
        XCTAssertEqual(kto.pairs.map(\.rejected), [[30], [20], [21], [22], [32], [31]])
        XCTAssertNil(kto.balanceWarning(desirableWeight: 1, undesirableWeight: 1))
        XCTAssertNotNil(kto.balanceWarning(desirableWeight: 0.5, undesirableWeight: 1), "ratio 0.5 is outside [1, 4/3]")
    }

    /// Micro-batches combine as TRL combines them: class means weighted by each micro-batch's count of that class,
    /// margins from the combined means, the rest averaged, the counts not logged.
    func testMicroBatchMetricsCombineByClassCount() {
        let combined = combinedKTOMetrics([
            ["loss": 0.4, "kl": 0.1, "rewards/chosen": 1, "logps/chosen": -10, "count/chosen": 3, "count/rejected": 0],
            ["loss": 0.6, "kl": 0.3, "rewards/chosen": 2, "logps/chosen": -20, "rewards/rejected": -1, "logps/rejected": -30,
             "count/chosen": 1, "count/rejected": 2],
        ])
        XCTAssertEqual(combined["loss"]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(combined["kl"]!, 0.2, accuracy: 1e-12)
        XCTAssertEqual(combined["rewards/chosen"]!, 1.25, accuracy: 1e-12, "(3·1 + 1·2) / 4")
        XCTAssertEqual(combined["logps/chosen"]!, -12.5, accuracy: 1e-12)
        XCTAssertEqual(combined["rewards/rejected"]!, -1, accuracy: 1e-12, "only the second has rejected examples")
        XCTAssertEqual(combined["rewards/margins"]!, 2.25, accuracy: 1e-12)
        XCTAssertNil(combined["count/chosen"])
    }
}
