import Foundation
import Model
import Preference
import XCTest
@testable import Training

/// Whole runs of a tiny experiment: the first step's loss, resume after a stop, and the reference cache.
final class TrainingRunTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpo-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A tiny model on the built-in sentiment task, small enough for a debug build.
    private func tinyExperiment(_ overrides: [String] = []) throws -> Experiment {
        var experiment = Experiment()
        try experiment.apply(overrides: [
            "output_dir=\(directory.path)", "builtin.train_pairs=48", "builtin.eval_pairs=8", "tiny.vocab_size=320",
            "tiny.hidden_size=16", "tiny.num_hidden_layers=1", "tiny.num_attention_heads=2", "tiny.intermediate_size=32",
            "sft.max_steps=3", "sft.batch_size=4", "per_device_train_batch_size=4", "max_steps=8", "max_length=64",
            "max_prompt_length=24", "learning_rate=0.001", "save_steps=3", "eval_steps=4", "samples.prompts=2",
            "samples.max_new_tokens=4", "warmup_steps=0", "lr_scheduler_type=constant",
        ] + overrides)
        return experiment
    }

    private func metrics(_ run: RunDirectory) throws -> [[String: Any]] { try run.records(RunDirectory.metricsFile) }

    func testFirstStepWithPolicyEqualToReferenceIsLn2WithZeroRewards() throws {
        let session = try TrainingSession.create(try tinyExperiment(), control: RunControl(), emit: { _ in })
        XCTAssertEqual(session.execute(), .finished)
        let first = try XCTUnwrap(try metrics(session.run).first)
        XCTAssertEqual(first["step"] as? Double, 1)
        XCTAssertEqual(try XCTUnwrap(first["loss"] as? Double), log(2), accuracy: 1e-12)
        for key in ["rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"] {
            XCTAssertEqual(try XCTUnwrap(first[key] as? Double), 0, "\(key) must be exactly 0: the policy is the reference")
        }
        let last = try XCTUnwrap(try metrics(session.run).last)
        XCTAssertEqual(last["step"] as? Double, 8)
        XCTAssertNotEqual(try XCTUnwrap(last["loss"] as? Double), log(2), accuracy: 1e-4, "the policy never moved")
        XCTAssertEqual(session.run.readStatus()?.state, .finished)
        XCTAssertEqual(session.run.readStatus()?.step, 8, "the final status names the last step")
        for file in ["model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: session.run.finalURL.appendingPathComponent(file).path), "final/\(file)")
        }
        XCTAssertEqual(try session.run.records(RunDirectory.samplesFile).count, 2 * 2)
    }

    /// Policy = reference holds bit for bit whatever the packing: micro-batches of an accumulated step, an
    /// evaluation batch size that differs from the training one (the reference pass packs each pair as the step
    /// that first meets it does), the step-0 evaluation, and LoRA (whose zero-initialized B adds exactly 0).
    func testPolicyEqualsReferenceExactlyUnderAccumulationOtherEvalBatchesAndLoRA() throws {
        for extra in [[], ["lora.enabled=true", "lora.r=2"]] {
            let session = try TrainingSession.create(
                try tinyExperiment(["gradient_accumulation_steps=3", "per_device_eval_batch_size=5", "eval_on_start=true",
                                    "max_steps=2", "run_name=exact\(extra.count)"] + extra),
                control: RunControl(), emit: { _ in })
            XCTAssertEqual(session.execute(), .finished)
            let first = try XCTUnwrap(try metrics(session.run).first)
            let start = try XCTUnwrap(try session.run.records(RunDirectory.evalFile).first)
            XCTAssertEqual(start["step"] as? Double, 0)
            for (values, prefix) in [(first, ""), (start, "eval_")] {
                XCTAssertEqual(try XCTUnwrap(values[prefix + "loss"] as? Double), log(2), accuracy: 1e-12, "\(extra) \(prefix)loss")
                for key in ["rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"] {
                    XCTAssertEqual(try XCTUnwrap(values[prefix + key] as? Double), 0, "\(extra) \(prefix + key)")
                }
            }
        }
    }

    /// `init_from` starts the policy from another run's checkpoint while the reference stays the experiment's model:
    /// the new run's step-0 evaluation equals the old run's evaluation at that checkpoint, rewards and all, and so do
    /// its samples: every evaluation draws with the same seeds, so the same policy samples the same completions.
    func testWarmStartContinuesFromACheckpointAgainstTheSameReference() throws {
        for extra in [[], ["lora.enabled=true", "lora.r=2"]] {
            let first = try TrainingSession.create(
                try tinyExperiment(["max_steps=7", "save_steps=6", "eval_steps=6", "run_name=first\(extra.count)"] + extra),
                control: RunControl(), emit: { _ in })
            XCTAssertEqual(first.execute(), .finished)
            let checkpoint = try XCTUnwrap(Checkpoint.latest(in: first.run))
            XCTAssertEqual(checkpoint.state.step, 6)
            let before = try XCTUnwrap(try first.run.records(RunDirectory.evalFile).first { $0["step"] as? Double == 6 })

            let warm = try TrainingSession.create(
                try tinyExperiment(["init_from=\(checkpoint.url.path)", "eval_on_start=true", "max_steps=1",
                                    "run_name=warm\(extra.count)"] + extra),
                control: RunControl(), emit: { _ in })
            XCTAssertEqual(warm.execute(), .finished)
            let start = try XCTUnwrap(try warm.run.records(RunDirectory.evalFile).first)
            XCTAssertEqual(start["step"] as? Double, 0)
            for key in ["eval_loss", "eval_rewards/margins", "eval_logps/chosen", "eval_logps/rejected"] {
                XCTAssertEqual(try XCTUnwrap(start[key] as? Double), try XCTUnwrap(before[key] as? Double), accuracy: 1e-9, "\(extra) \(key)")
            }
            XCTAssertNotEqual(try XCTUnwrap(start["eval_rewards/margins"] as? Double), 0, "\(extra): the policy is not the reference")
            let policyTexts = { (run: RunDirectory, step: Double) in
                try run.records(RunDirectory.samplesFile).filter { $0["step"] as? Double == step }.map { $0["policy"] as? String }
            }
            let sampledBefore = try policyTexts(first.run, 6)
            XCTAssertEqual(sampledBefore.count, 2)
            XCTAssertEqual(try policyTexts(warm.run, 0), sampledBefore, "\(extra): the same policy, the same draws")
        }
        let missing = try TrainingSession.create(try tinyExperiment(["init_from=\(directory.path)/nowhere", "run_name=missing"]),
                                                 control: RunControl(), emit: { _ in })
        XCTAssertEqual(missing.execute(), .failed)
        let message = missing.run.readStatus()?.message ?? ""
        XCTAssertTrue(message.contains("init_from"), message)
    }

    /// `orpo_nll: sequence` trains end to end: the batches predict the prompts too, so step 1's NLL (same model,
    /// same pairs) differs from the completion-only one, and held-out evaluation runs on the same packing.
    func testORPOWithTheSequenceNLLTrains() throws {
        var firstNLL: [Double] = []
        for scope in ["completion", "sequence"] {
            let session = try TrainingSession.create(
                try tinyExperiment(["loss_type=orpo", "orpo_nll=\(scope)", "max_steps=2", "run_name=orpo-\(scope)"]),
                control: RunControl(), emit: { _ in })
            XCTAssertEqual(session.execute(), .finished)
            firstNLL.append(try XCTUnwrap(try metrics(session.run).first?["nll_loss"] as? Double))
            XCTAssertNotNil(try session.run.records(RunDirectory.evalFile).last?["eval_nll_loss"] as? Double)
        }
        XCTAssertNotEqual(firstNLL[0], firstNLL[1], accuracy: 1e-6)
    }

    func testStoppedRunResumesToTheSameFinalMetrics() throws {
        let uninterrupted = try TrainingSession.create(try tinyExperiment(["run_name=whole"]), control: RunControl(), emit: { _ in })
        XCTAssertEqual(uninterrupted.execute(), .finished)

        let control = RunControl()
        let interrupted = try TrainingSession.create(try tinyExperiment(["run_name=parts"]), control: control, emit: { event in
            if case .metrics(let stage, let step, _) = event, stage == .dpo, step == 5 { control.requestStop() }
        })
        XCTAssertEqual(interrupted.execute(), .stopped)
        XCTAssertEqual(interrupted.run.readStatus()?.state, .stopped)
        XCTAssertEqual(Checkpoint.latest(in: interrupted.run)?.state.step, 5)
        let resumed = try TrainingSession.reopen(interrupted.run.url, control: RunControl(), emit: { _ in })
        XCTAssertEqual(resumed.execute(), .finished)

        let expected = try metrics(uninterrupted.run), actual = try metrics(interrupted.run)
        XCTAssertEqual(actual.count, expected.count)
        for (a, b) in zip(actual, expected) {
            for key in ["step", "loss", "rewards/margins", "rewards/accuracies", "logps/chosen", "grad_norm"] {
                XCTAssertEqual(try XCTUnwrap(a[key] as? Double), try XCTUnwrap(b[key] as? Double), accuracy: 1e-6, key)
            }
        }
        let finalEval = { (run: RunDirectory) in try XCTUnwrap(try run.records(RunDirectory.evalFile).last?["eval_loss"] as? Double) }
        XCTAssertEqual(try finalEval(interrupted.run), try finalEval(uninterrupted.run), accuracy: 1e-6)
    }

    func testReferenceLogProbsAreComputedOncePerModelAndData() throws {
        for beta in ["0.1", "0.5"] {
            let session = try TrainingSession.create(try tinyExperiment(["beta=\(beta)", "max_steps=1", "run_name=beta\(beta)"]),
                                                     control: RunControl(), emit: { _ in })
            XCTAssertEqual(session.execute(), .finished)
        }
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("beta") }.sorted()
            .map { try String(contentsOf: directory.appendingPathComponent($0).appendingPathComponent(RunDirectory.logFile), encoding: .utf8) }
        let reference = logs.flatMap { $0.split(separator: "\n").map(String.init) }.filter { $0.hasPrefix("reference log-probs") }
        XCTAssertEqual(reference.count, 2)
        XCTAssertTrue(reference[0].contains("computed"), reference[0])
        XCTAssertTrue(reference[1].contains("reused from cache"), reference[1])
    }

    func testNonFiniteLossStopsTheRunAndKeepsTheCheckpoint() throws {
        let session = try TrainingSession.create(try tinyExperiment(["learning_rate=1e30", "max_grad_norm=0"]), control: RunControl(), emit: { _ in })
        XCTAssertEqual(session.execute(), .failed)
        let status = try XCTUnwrap(session.run.readStatus())
        XCTAssertEqual(status.state, .failed)
        XCTAssertTrue(status.message?.contains("non-finite") == true, status.message ?? "")
    }

    /// A pair whose reference log-probs are missing stops a loss that needs them with an error naming the pair;
    /// a reference-free loss (SimPO) trains on the same stage.
    func testALossThatNeedsAReferenceNeverRunsWithoutOne() throws {
        let config = TransformerConfig(vocabSize: 16, hiddenSize: 8, intermediateSize: 8, layers: 1, heads: 2,
                                       tieWordEmbeddings: true, maxPositions: 16)
        let pairs = (0..<4).map { i in
            TokenizedPair(prompt: [1, Int32(i + 2)], chosen: [3, 4], rejected: [5], source: SourceLocation(file: "p", line: i + 1))
        }
        for (loss, needsReference) in [("sigmoid", true), ("simpo", false)] {
            var experiment = Experiment()
            try experiment.apply(overrides: ["loss_type=\(loss)", "per_device_train_batch_size=2", "max_steps=2", "save_steps=100"])
            let model = try Transformer(config: config)
            model.initializeRandom(seed: 1)
            let run = try RunDirectory.create(in: directory, name: loss)
            let missing = ReferenceLogProbs(key: "none", train: [:], eval: [])
            let stage = PreferenceStage(experiment: experiment, model: model, train: pairs, eval: [], reference: missing,
                                        run: run, control: RunControl(), emit: { _ in })
            if needsReference {
                XCTAssertThrowsError(try stage.run(after: 0)) { error in
                    XCTAssertTrue("\(error)".contains("no reference log-probs for training pair"), "\(error)")
                    XCTAssertTrue("\(error)".contains("sigmoid needs them"), "\(error)")
                }
            } else {
                XCTAssertEqual(try stage.run(after: 0), .finished)
            }
        }
    }

    /// An RSO run samples its pairs from the SFT model once, writes them (token ids for resume, texts for people and
    /// for offline training), reports the acceptance rate, and trains on them.
    func testRSORunTrainsOnItsRejectionSampledPairs() throws {
        let experiment = try tinyExperiment(["rso.enabled=true", "rso.prompts=3", "rso.candidates=4", "rso.samples=4",
                                             "rso.ranking=tournament", "rso.max_new_tokens=4", "loss_type=sigmoid_norm", "max_steps=2"])
        let session = try TrainingSession.create(experiment, control: RunControl(), emit: { _ in })
        XCTAssertEqual(session.execute(), .finished)
        let log = try String(contentsOf: session.run.url.appendingPathComponent(RunDirectory.logFile), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let generated = try session.run.records(RunDirectory.generatedPairsFile)
        XCTAssertEqual(generated.count, 3 * 3, "a 4-sample tournament gives 3 pairs a prompt")
        XCTAssertEqual(generated.first?["judge"] as? String, "ground_truth:sentiment")
        let saved = try JSONDecoder().decode(RSOPairs.self, from: Data(contentsOf: session.run.url.appendingPathComponent(RSOPairs.fileName)))
        XCTAssertEqual(saved.pairs.count, 9)
        XCTAssertTrue(log.contains { $0.hasPrefix("rso: 9 pairs; acceptance rate") }, "\(log)")
        XCTAssertEqual(try metrics(session.run).count, 2)
    }

    func testLoRARunExportsPEFTAdaptersThatMatchTheMergedModel() throws {
        let session = try TrainingSession.create(try tinyExperiment(["lora.enabled=true", "lora.r=2", "learning_rate=0.01"]),
                                                 control: RunControl(), emit: { _ in })
        XCTAssertEqual(session.execute(), .finished)
        let adapterDirectory = session.run.finalURL.appendingPathComponent("adapter")
        let base = try Transformer.load(directory: session.run.sftURL)
        let adapters = try LoRAAdapters.load(directory: adapterDirectory, config: base.config)
        XCTAssertGreaterThan(adapters.parameters.array(adapters.count).map(abs).max() ?? 0, 0)
        let merged = try Transformer.load(directory: session.run.finalURL)
        var batch = PackedBatch()
        batch.appendShared(prompt: [1, 2, 3, 4], completions: [[5, 6, 7], [8, 9]])
        let baseLogps = try base.forward(batch)
        base.attach(adapters)
        let adapted = try base.forward(batch)
        let mergedLogps = try merged.forward(batch)
        XCTAssertLessThan(zip(adapted, mergedLogps).map { abs($0 - $1) }.max()!, 1e-4)
        XCTAssertGreaterThan(zip(adapted, baseLogps).map { abs($0 - $1) }.max()!, 1e-4, "the adapters changed nothing")
    }
}
