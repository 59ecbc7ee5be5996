import Foundation
import Model
import Preference
import TestSupport
import Tokenizer
import XCTest
@testable import Training

/// Reward-model training on a few built-in sentiment pairs (a debug build, seconds): it learns, its run
/// directory holds what `dpo reward train` promises, and the judge reads its final model back.
final class RewardModelTrainingTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("dpo-reward") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func tinyExperiment(_ seed: UInt64, _ overrides: [String] = []) throws -> Experiment {
        var experiment = Experiment()
        try experiment.apply(overrides: [
            "output_dir=\(directory.path)", "builtin.train_pairs=64", "builtin.eval_pairs=16", "tiny.vocab_size=320",
            "tiny.hidden_size=16", "tiny.num_hidden_layers=1", "tiny.num_attention_heads=2", "tiny.intermediate_size=32",
            "max_length=64", "max_prompt_length=24", "reward.batch_size=8", "reward.max_steps=40", "reward.learning_rate=0.003",
            "reward.eval_steps=20", "warmup_steps=0", "lr_scheduler_type=constant", "seed=\(seed % 1000)",
        ] + overrides)
        return experiment
    }

    func testTrainingLowersTheLossAndRaisesTheAccuracyOnItsPairs() throws {
        let experiment = try tinyExperiment(testSeed(#function))
        let resolution = ExperimentResolution(experiment)
        let tokenizer = try resolution.tokenizer().tokenizer
        let data = try resolution.data(tokenizer: tokenizer)
        let model = try RewardModel(languageModel: try resolution.startingModel(tokenizer: tokenizer),
                                    padTokenId: RewardModel.padToken(eos: tokenizer.eosTokenId, pad: nil), seed: 1)
        func trainMetrics() throws -> [String: Double] {
            let rewards = try model.rewards(pairs: data.train, batchSize: 16)
            return bradleyTerryLoss(chosen: rewards.chosen, rejected: rewards.rejected).metrics
        }
        let before = try trainMetrics()
        let training = RewardModelTraining(experiment: experiment, model: model, train: data.train, eval: [],
                                           run: RunDirectory(url: directory), control: RunControl(), emit: { _ in })
        XCTAssertTrue(try training.run())
        let after = try trainMetrics()
        print("train loss \(before["loss"]!) → \(after["loss"]!), accuracy \(before["accuracy"]!) → \(after["accuracy"]!)")
        XCTAssertLessThan(after["loss"]!, before["loss"]! - 0.1)
        XCTAssertGreaterThan(after["accuracy"]!, before["accuracy"]! + 0.1)
    }

    func testRunWritesJournalsAndAFinalModelTheJudgeScores() throws {
        let session = try RewardSession.create(try tinyExperiment(testSeed(#function), ["reward.max_steps=4", "reward.eval_steps=2", "max_length=256", "max_prompt_length=128"]),
                                               control: RunControl(), emit: { _ in })
        XCTAssertEqual(session.execute(), .finished)
        let run = session.run
        XCTAssertTrue(run.id.hasPrefix("reward-sentiment-"))
        let metrics = try run.records(RewardModelTraining.metricsFile)
        XCTAssertEqual(metrics.map { $0["step"] as? Double }, [1, 2, 3, 4])
        for key in ["loss", "accuracy", "margin", "rewards/chosen", "rewards/rejected", "learning_rate", "grad_norm"] {
            XCTAssertNotNil(metrics.last?[key] as? Double, key)
        }
        let evaluations = try run.records(RewardModelTraining.evalFile)
        XCTAssertEqual(evaluations.map { $0["step"] as? Double }, [2, 4])
        for key in ["eval_loss", "eval_accuracy", "eval_margin"] { XCTAssertNotNil(evaluations.last?[key] as? Double, key) }
        XCTAssertEqual(run.readStatus()?.state, .finished)
        XCTAssertEqual(run.readStatus()?.stage, .reward)
        XCTAssertThrowsError(try TrainingSession.reopen(run.url, force: true, control: RunControl(), emit: { _ in })) {
            XCTAssertTrue("\($0)".contains("reward-model run"))
        }

        let judge = try RewardModelJudge(directory: run.url, batchSize: 3)
        XCTAssertEqual(judge.name, "reward_model:\(run.id)")
        let model = try RewardModel.load(directory: run.finalURL)
        let tokenizer = try BPETokenizer.load(directory: run.finalURL)
        let pairs = try XCTUnwrap(BuiltinTasks.named("sentiment", seed: 7)).pairs(.heldOut, count: 4)
        // Untruncated, as the judge encodes (these pairs fit the context).
        let context = model.config.maxPositions
        let encoded = try PreferenceDataset.tokenize(
            pairs.map(PreferenceRecord.pair), file: "builtin:sentiment", format: nil, encoder: tokenizer,
            settings: DatasetSettings(truncation: TruncationSettings(maxLength: context, maxPromptLength: context - 1, mode: .keepEnd)))
        XCTAssertTrue(encoded.report.truncatedAt.isEmpty)
        let tokenized = encoded.pairs
        let expected = try model.rewards(pairs: tokenized, batchSize: 4)
        let texts = pairs.map { pair -> (String, String, String) in
            guard case .text(let prompt) = pair.prompt, case .text(let chosen) = pair.chosen, case .text(let rejected) = pair.rejected
            else { preconditionFailure("the sentiment task writes plain text") }
            return (prompt, chosen, rejected)
        }
        let scores = judge.scores(prompts: texts.map(\.0) + texts.map(\.0), completions: texts.map(\.1) + texts.map(\.2))
        for (score, reward) in zip(scores, expected.chosen + expected.rejected) {
            // The judge packs its sequences differently, so products may round differently.
            XCTAssertEqual(score, reward, accuracy: 1e-4)
        }
    }
}
