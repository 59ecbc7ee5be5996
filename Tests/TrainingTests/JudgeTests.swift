import Foundation
import Model
import Preference
import TestSupport
import Tokenizer
import XCTest
@testable import Training

/// The judges a run names by `JudgeSpec`: a finished run's implicit reward against its own definition, Bradley–Terry
/// win probabilities, and run directories named by their prefix.
final class JudgeTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("dpo-judge") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func finishedRun(_ name: String) throws -> RunDirectory {
        var experiment = Experiment()
        try experiment.apply(overrides: [
            "output_dir=\(directory.path)", "run_name=\(name)", "builtin.train_pairs=24", "builtin.eval_pairs=4", "tiny.vocab_size=320",
            "tiny.hidden_size=16", "tiny.num_hidden_layers=1", "tiny.num_attention_heads=2", "tiny.intermediate_size=32",
            "sft.max_steps=2", "sft.batch_size=4", "per_device_train_batch_size=4", "max_steps=3", "max_length=64",
            "max_prompt_length=24", "learning_rate=0.01", "beta=0.25", "samples.prompts=0",
        ])
        let session = try TrainingSession.create(experiment, control: RunControl(), emit: { _ in })
        XCTAssertEqual(session.execute(), .finished)
        return session.run
    }

    /// β · (log π(y|x) − log π_ref(y|x)) of each completion, with the run's final and SFT models and its β, whether
    /// two completions share a prompt (one packed row) or not.
    func testImplicitRewardIsBetaTimesTheLogRatioOfTheRunsModels() throws {
        let run = try finishedRun("dpo")
        let judge = try ImplicitRewardJudge(run: run.url)
        XCTAssertEqual(judge.beta, 0.25)
        XCTAssertEqual(judge.name, "implicit_reward:\(run.url.lastPathComponent)")
        let prompts = ["The film was", "The film was", "Its ending", "Honestly"]
        let completions = [" great fun.", " dull and slow.", " moved me.", " a mess."]
        let scores = try judge.scores(prompts: prompts, completions: completions)

        let policy = try Transformer.load(directory: run.finalURL), reference = try Transformer.load(directory: run.sftURL)
        let tokenizer = try BPETokenizer(contentsOf: run.finalURL.appendingPathComponent("tokenizer.json"))
        let eos = tokenizer.eosTokenId.map { [$0] } ?? []
        for (index, (prompt, completion)) in zip(prompts, completions).enumerated() {
            let ids = tokenizer.encode(completion) + eos
            let pair = TokenizedPair(prompt: tokenizer.encode(prompt), chosen: ids, rejected: ids, source: SourceLocation(file: "t", line: 1))
            let logPolicy = try completionSums(model: policy, pairs: [pair], batchSize: 1)[0].chosen
            let logReference = try completionSums(model: reference, pairs: [pair], batchSize: 1)[0].chosen
            XCTAssertEqual(scores[index], 0.25 * (logPolicy - logReference), accuracy: 1e-4, "completion \(index)")
        }
        XCTAssertNotEqual(scores[0], scores[1], "the trained policy tells completions apart")
        XCTAssertEqual(judge.winProbability(scores[0], over: scores[1]), 1 / (1 + exp(scores[1] - scores[0])), accuracy: 1e-12)
    }

    /// A judge path that does not exist names the newest finished run starting with it; nothing finished is an
    /// error naming the prefix.
    func testAJudgePathNamesTheNewestFinishedRunWithThatPrefix() throws {
        let first = try finishedRun("judge")
        let second = try finishedRun("judge")
        let newest = [first.url.lastPathComponent, second.url.lastPathComponent].max()!
        XCTAssertEqual(try JudgeSpec.run(directory.appendingPathComponent("judge").path).lastPathComponent, newest)
        XCTAssertEqual(try JudgeSpec.run(first.url.path).standardizedFileURL.path, first.url.standardizedFileURL.path, "an existing path is itself")
        XCTAssertThrowsError(try JudgeSpec.run(directory.appendingPathComponent("other").path)) { error in
            XCTAssertTrue("\(error)".contains("other-"), "\(error)")
        }
        let judge = try JudgeSpec("implicit_reward:\(directory.appendingPathComponent("judge").path)").resolve(task: nil, key: "sppo.judge")
        XCTAssertEqual(judge.name, "implicit_reward:\(newest)")
        XCTAssertThrowsError(try JudgeSpec.groundTruth.resolve(task: nil, key: "online.judge")) { error in
            XCTAssertTrue("\(error)".hasPrefix("online.judge:"), "\(error)")
        }
    }
}
