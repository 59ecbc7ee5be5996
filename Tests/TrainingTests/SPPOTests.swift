import Determinism
import Foundation
import Model
import Preference
import TestSupport
import Tokenizer
import XCTest
@testable import Training

/// SPPO: the loss and its gradient against worked numbers and finite differences, the win-probability estimate,
/// the pairing, the round schedule, and whole runs (each round's first step starts at the round's reference).
final class SPPOTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("dpo-sppo") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Scores fixed in advance, one per completion in sampling order.
    private struct FixedJudge: Judge {
        let values: [Double]
        var name: String { "fixed" }
        func scores(prompts: [String], completions: [String]) -> [Double] { Array(values.prefix(completions.count)) }
    }

    /// A judge comparing scores by their ratio rather than Bradley–Terry, to see that the diagonal is ½ by
    /// definition and not whatever the judge says of a completion against itself.
    private struct RatioJudge: Judge {
        var name: String { "ratio" }
        func scores(prompts: [String], completions: [String]) -> [Double] { [] }
        func winProbability(_ a: Double, over b: Double) -> Double { a / (a + b + 1) }
    }

    // MARK: loss

    /// Lc = 1, Lr = −1, P̂ = (0.7, 0.3), β = 0.1: targets (P̂ − ½)/β = (2, −2), residuals (−1, 1), loss ½(1 + 1) = 1,
    /// gradients (−1, 1); a second pair with Lc = Lr = 0 and P̂ = (0.6, 0.45): targets (1, −0.5), loss ½(1 + 0.25),
    /// gradients (−1, 0.5). The batch is their mean.
    func testLossMatchesWorkedNumbers() {
        let pairs = [
            PairLogProbs(policyChosen: -10, policyRejected: -12, referenceChosen: -11, referenceRejected: -11, chosenTokens: 4, rejectedTokens: 5),
            PairLogProbs(policyChosen: -7, policyRejected: -9, referenceChosen: -7, referenceRejected: -9, chosenTokens: 3, rejectedTokens: 3),
        ]
        let targets = [WinProbabilities(chosen: 0.7, rejected: 0.3), WinProbabilities(chosen: 0.6, rejected: 0.45)]
        let one = sppoLoss([pairs[0]], winProbabilities: [targets[0]], beta: 0.1)
        XCTAssertEqual(one.loss, 1, accuracy: 1e-12)
        XCTAssertEqual(one.dPolicyChosen[0], -1, accuracy: 1e-12)
        XCTAssertEqual(one.dPolicyRejected[0], 1, accuracy: 1e-12)

        let both = sppoLoss(pairs, winProbabilities: targets, beta: 0.1)
        XCTAssertEqual(both.loss, (1 + 0.625) / 2, accuracy: 1e-12)
        XCTAssertEqual(both.dPolicyChosen[0], -0.5, accuracy: 1e-12)
        XCTAssertEqual(both.dPolicyRejected[0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(both.dPolicyChosen[1], -0.5, accuracy: 1e-12)
        XCTAssertEqual(both.dPolicyRejected[1], 0.25, accuracy: 1e-12)
        XCTAssertEqual(both.metrics["loss"]!, both.loss)
        XCTAssertEqual(both.metrics["rewards/chosen"]!, 0.05, accuracy: 1e-12, "β·Lc averaged: (0.1 + 0) / 2")
        XCTAssertEqual(both.metrics["rewards/margins"]!, 0.1, accuracy: 1e-12)
        XCTAssertEqual(both.metrics["rewards/accuracies"]!, 0.5, "pair 2 has equal rewards: not counted as correct")
        XCTAssertEqual(both.metrics["sppo/prob_chosen"]!, 0.65, accuracy: 1e-12)
        XCTAssertEqual(both.metrics["sppo/prob_rejected"]!, 0.375, accuracy: 1e-12)
    }

    /// With hard labels (P̂_w = 1, P̂_l = 0) the loss is half of TRL's `sppo_hard`, value and gradient.
    func testHardLabelsGiveHalfOfSPPOHard() {
        var generator = SeededGenerator(seed: testSeed(#function))
        let pairs = (0..<5).map { _ in
            PairLogProbs(policyChosen: -20 * Double(generator.nextUniform()), policyRejected: -20 * Double(generator.nextUniform()),
                         referenceChosen: -20 * Double(generator.nextUniform()), referenceRejected: -20 * Double(generator.nextUniform()),
                         chosenTokens: 3, rejectedTokens: 4)
        }
        let soft = sppoLoss(pairs, winProbabilities: Array(repeating: WinProbabilities(chosen: 1, rejected: 0), count: 5), beta: 0.2)
        let hard = preferenceLoss(pairs, settings: LossSettings(lossTypes: [.sppoHard], beta: 0.2))
        XCTAssertEqual(soft.loss, hard.loss / 2, accuracy: 1e-9 * hard.loss)
        for i in 0..<5 {
            XCTAssertEqual(soft.dPolicyChosen[i], hard.dPolicyChosen[i] / 2, accuracy: 1e-9)
            XCTAssertEqual(soft.dPolicyRejected[i], hard.dPolicyRejected[i] / 2, accuracy: 1e-9)
        }
    }

    /// The gradient against central differences of the loss, over random pairs and targets.
    func testGradientMatchesFiniteDifferences() {
        var generator = SeededGenerator(seed: testSeed(#function))
        func uniform(_ scale: Double) -> Double { scale * Double(generator.nextUniform()) }
        let pairs = (0..<6).map { _ in
            PairLogProbs(policyChosen: -uniform(30), policyRejected: -uniform(30), referenceChosen: -uniform(30),
                         referenceRejected: -uniform(30), chosenTokens: 5, rejectedTokens: 5)
        }
        let targets = (0..<6).map { _ in WinProbabilities(chosen: uniform(1), rejected: uniform(1)) }
        let beta = 0.3
        let result = sppoLoss(pairs, winProbabilities: targets, beta: beta)
        let h = 1e-5
        for i in pairs.indices {
            for chosen in [true, false] {
                var plus = pairs, minus = pairs
                if chosen {
                    plus[i].policyChosen += h
                    minus[i].policyChosen -= h
                } else {
                    plus[i].policyRejected += h
                    minus[i].policyRejected -= h
                }
                let numeric = (sppoLoss(plus, winProbabilities: targets, beta: beta).loss
                               - sppoLoss(minus, winProbabilities: targets, beta: beta).loss) / (2 * h)
                let analytic = chosen ? result.dPolicyChosen[i] : result.dPolicyRejected[i]
                XCTAssertEqual(analytic, numeric, accuracy: 1e-6 * max(1, abs(numeric)), "pair \(i) \(chosen ? "chosen" : "rejected")")
            }
        }
    }

    // MARK: win probabilities and pairs

    /// Scores (0, ln 3): P(1 ≻ 0) = σ(ln 3) = ¾, so P̂ = ((½ + ¼)/2, (½ + ¾)/2) = (0.375, 0.625). Three scores
    /// (0, ln 3, ln 3): P̂₀ = (½ + ¼ + ¼)/3 = 1/3, P̂₁ = P̂₂ = (¾ + ½ + ½)/3 = 7/12. Under Bradley–Terry the
    /// estimates always average ½.
    func testWinProbabilitiesAverageThePairwiseProbabilities() {
        let judge = FixedJudge(values: [])
        let two = SPPORound.winProbabilities(scores: [0, log(3)], judge: judge)
        XCTAssertEqual(two[0], 0.375, accuracy: 1e-12)
        XCTAssertEqual(two[1], 0.625, accuracy: 1e-12)
        let three = SPPORound.winProbabilities(scores: [0, log(3), log(3)], judge: judge)
        XCTAssertEqual(three[0], 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(three[1], 7.0 / 12, accuracy: 1e-12)
        XCTAssertEqual(three[2], 7.0 / 12, accuracy: 1e-12)
        XCTAssertEqual(three.reduce(0, +) / 3, 0.5, accuracy: 1e-12)
        // Ratio judge on (1, 3): P(0 ≻ 1) = 1/5, P(1 ≻ 0) = 3/5; the diagonal is ½, not 1/3 or 3/7.
        let ratio = SPPORound.winProbabilities(scores: [1, 3], judge: RatioJudge())
        XCTAssertEqual(ratio[0], (0.5 + 0.2) / 2, accuracy: 1e-12)
        XCTAssertEqual(ratio[1], (0.6 + 0.5) / 2, accuracy: 1e-12)
    }

    private func fixture() throws -> (model: Transformer, tokenizer: BPETokenizer, prompts: [TokenizedPair]) {
        let folder = RepositoryPaths.fixture("golden/eval_model")
        let tokenizer = try BPETokenizer.load(directory: folder)
        let prompts = ["The film was", "I watched it and"].enumerated().map { index, text in
            TokenizedPair(prompt: tokenizer.encode(text), chosen: [], rejected: [], source: SourceLocation(file: "prompts", line: index + 1))
        }
        return (try Transformer.load(directory: folder), tokenizer, prompts)
    }

    /// Each prompt's pair is its likeliest winner and least likely one, the first of equals (numpy's argmax and
    /// argmin), with their estimates as targets.
    func testARoundPairsTheLikeliestWinnerWithTheLikeliestLoser() throws {
        let (model, tokenizer, prompts) = try fixture()
        var settings = SPPOSettings()
        settings.samples = 4
        settings.maxNewTokens = 5
        // Prompt 1: samples 1 and 3 tie for best, 0 and 2 for worst; prompt 2: sample 2 best, sample 0 worst.
        let judge = FixedJudge(values: [0, 2, 0, 2])
        let round = try SPPORound.make(policy: model, prompts: [prompts[0]], iteration: 1, tokenizer: tokenizer, judge: judge,
                                       settings: settings, seed: 7) { _, _ in }
        let stop: Set<Int32> = tokenizer.eosTokenId.map { [$0] } ?? []
        let samples = try (0..<4).map { k in
            try model.generate(prompt: prompts[0].prompt, settings: SamplingSettings(
                temperature: Float(settings.temperature), topP: settings.topP.map(Float.init), maxNewTokens: 5,
                seed: UInt64(7) &* 1_000_003 &+ UInt64(1) &* 104_729 &+ UInt64(0) &* 7919 &+ UInt64(k) &+ 0x5990), stopTokens: stop)
        }
        XCTAssertEqual(round.pairs.count, 1)
        XCTAssertEqual(round.pairs[0].chosen, samples[1])
        XCTAssertEqual(round.pairs[0].rejected, samples[0])
        let expected = SPPORound.winProbabilities(scores: [0, 2, 0, 2], judge: judge)
        XCTAssertEqual(round.pairs[0].probabilities, WinProbabilities(chosen: expected[1], rejected: expected[0]))
        XCTAssertEqual(round.pairs[0].scoreChosen, 2)
        XCTAssertEqual(round.allProbabilities.count, 4)
        XCTAssertEqual(round.meanScore, 1, accuracy: 1e-12)
    }

    // MARK: rounds

    func testRoundsCoverTheirStepsAndTakeTheNextPrompts() throws {
        let (_, tokenizer, prompts) = try fixture()
        var settings = SPPOSettings()
        settings.prompts = 3
        let schedule = SPPOSchedule(settings: settings, seed: 1, tokenizer: tokenizer, judge: FixedJudge(values: []),
                                    prompts: prompts + prompts.map { var p = $0; p.prompt += [1]; return p },
                                    stepsPerRound: 4, directory: directory)
        XCTAssertEqual((1...9).map(schedule.round(of:)), [1, 1, 1, 1, 2, 2, 2, 2, 3])
        XCTAssertEqual((1...9).map(schedule.stepInRound), [1, 2, 3, 4, 1, 2, 3, 4, 1])
        XCTAssertEqual([4, 8].map(schedule.endsRound), [true, true])
        XCTAssertFalse(schedule.endsRound(5))
        // Four prompts, three a round: round 2 takes the fourth and wraps to the first two.
        XCTAssertEqual(schedule.prompts(for: 2).map(\.source.line), [2, 1, 2])
        XCTAssertEqual(schedule.prompts(for: 2)[0].prompt.last, 1)
    }

    /// A round's pairs and reference come back as saved; a resume drops the rounds that start after its
    /// checkpoint, and a checkpoint lets go of the references no resume can need.
    func testRoundsAreKeptForResumeAndDiscardedAfterTheCheckpoint() throws {
        let (model, tokenizer, prompts) = try fixture()
        let schedule = SPPOSchedule(settings: SPPOSettings(), seed: 1, tokenizer: tokenizer, judge: FixedJudge(values: []),
                                    prompts: prompts, stepsPerRound: 4, directory: directory)
        func round(_ number: Int) -> SPPORound {
            SPPORound(iteration: number, judge: "fixed", pairs: [
                .init(prompt: [1], chosen: [2], rejected: [3], probabilities: WinProbabilities(chosen: 0.6, rejected: 0.4), scoreChosen: 1, scoreRejected: 0),
            ], allProbabilities: [0.6, 0.4], meanScore: 0.5)
        }
        XCTAssertNil(try schedule.load(1))
        for number in 1...3 { try schedule.save(round(number), reference: model) }
        let loaded = try XCTUnwrap(try schedule.load(2))
        XCTAssertEqual(loaded.round.pairs[0].probabilities.chosen, 0.6)
        XCTAssertEqual(loaded.reference.parameters.array(model.parameterCount), model.parameters.array(model.parameterCount))

        schedule.discardRounds(after: 5)  // checkpoint in round 2: round 3 starts after it
        XCTAssertNotNil(try schedule.load(2))
        XCTAssertNil(try schedule.load(3))
        schedule.discardRounds(after: 4)  // checkpoint at the end of round 1: round 2 is made again
        XCTAssertNil(try schedule.load(2))
        XCTAssertNotNil(try schedule.load(1))

        try schedule.save(round(2), reference: model)
        schedule.pruneReferences(checkpointAt: 6)  // resumes in round 2: round 1's reference is not needed
        XCTAssertThrowsError(try schedule.load(1), "round 1 lost its reference")
        XCTAssertNotNil(try schedule.load(2))
    }

    // MARK: runs

    private func tinyExperiment(_ overrides: [String] = []) throws -> Experiment {
        var experiment = Experiment()
        try experiment.apply(overrides: [
            "output_dir=\(directory.path)", "builtin.train_pairs=48", "builtin.eval_pairs=8", "tiny.vocab_size=320",
            "tiny.hidden_size=16", "tiny.num_hidden_layers=1", "tiny.num_attention_heads=2", "tiny.intermediate_size=32",
            "sft.max_steps=3", "sft.batch_size=4", "per_device_train_batch_size=4", "max_length=64",
            "max_prompt_length=24", "learning_rate=0.01", "save_steps=3", "samples.prompts=2", "samples.max_new_tokens=4",
            "warmup_steps=0", "lr_scheduler_type=linear", "loss_type=sppo", "beta=0.5",
            "sppo.iterations=2", "sppo.prompts=8", "sppo.samples=3", "sppo.max_new_tokens=5",
        ] + overrides)
        return experiment
    }

    /// Two rounds of two steps: each round's first step has the policy equal to its reference (rewards exactly 0,
    /// loss ½·mean((P̂_w − ½)² + (P̂_l − ½)²)/β² from the round's own pairs), a fresh learning-rate schedule, and an
    /// evaluation at each round's end; every generated pair is in `generated_pairs.jsonl` with its estimates.
    /// The judge is a short DPO run's implicit reward (the sentiment lexicon finds no words in a tiny model's
    /// babble, so it would score every completion alike).
    func testEachRoundStartsFromItsOwnReference() throws {
        let judgeRun = try TrainingSession.create(try tinyExperiment(["loss_type=sigmoid", "max_steps=4",
                                                                      "run_name=judge"]), control: RunControl(), emit: { _ in })
        XCTAssertEqual(judgeRun.execute(), .finished)
        let experiment = try tinyExperiment(["sppo.judge=implicit_reward:\(judgeRun.run.url.path)"])
        let session = try TrainingSession.create(experiment, control: RunControl(), emit: { _ in })
        XCTAssertEqual(session.execute(), .finished)
        let run = session.run
        let metrics = try run.records(RunDirectory.metricsFile)
        XCTAssertEqual(metrics.count, 4, "8 prompts, batch 4, one epoch: 2 steps a round")
        let generated = try run.records(RunDirectory.generatedPairsFile)
        XCTAssertEqual(generated.count, 16)
        XCTAssertEqual(generated.map { $0["step"] as? Int }, Array(repeating: 1, count: 8) + Array(repeating: 3, count: 8))
        XCTAssertEqual(Set(generated.compactMap { $0["judge"] as? String }), ["implicit_reward:\(judgeRun.run.url.lastPathComponent)"])
        for (index, first) in [(0, metrics[0]), (1, metrics[2])] {
            for key in ["rewards/chosen", "rewards/rejected", "rewards/margins"] {
                XCTAssertEqual(first[key] as? Double, 0, "round \(index + 1) step 1: \(key) must be exactly 0")
            }
            XCTAssertEqual(first["sppo/iteration"] as? Double, Double(index + 1))
        }
        XCTAssertEqual(metrics[2]["learning_rate"] as? Double, metrics[0]["learning_rate"] as? Double, "each round restarts its schedule")
        XCTAssertLessThan(try XCTUnwrap(metrics[1]["learning_rate"] as? Double), try XCTUnwrap(metrics[0]["learning_rate"] as? Double))

        // Round 2's first loss from its saved pairs: both micro-batch rows come from the data order, so check the mean
        // over the round against every pair's target (one step covers half the pairs: the loss lies within their range).
        let saved = try JSONDecoder().decode(SPPORound.self, from: Data(contentsOf: run.url.appendingPathComponent("sppo/round-2.json")))
        let perPair = saved.pairs.map { pair in
            0.5 * (pow((pair.probabilities.chosen - 0.5) / 0.5, 2) + pow((pair.probabilities.rejected - 0.5) / 0.5, 2))
        }
        let loss = try XCTUnwrap(metrics[2]["loss"] as? Double)
        XCTAssertGreaterThan(loss, 0, "every win probability was ½: the judge saw no difference")
        XCTAssertGreaterThanOrEqual(loss, perPair.min()! - 1e-12)
        XCTAssertLessThanOrEqual(loss, perPair.max()! + 1e-12)
        let probabilities = generated.suffix(8).map { ($0["prob_chosen"] as! Double, $0["prob_rejected"] as! Double) }
        for (logged, kept) in zip(probabilities, saved.pairs) {
            XCTAssertEqual(logged.0, kept.probabilities.chosen, accuracy: 1e-12)
            XCTAssertEqual(logged.1, kept.probabilities.rejected, accuracy: 1e-12)
        }
        XCTAssertTrue(saved.pairs.allSatisfy { $0.probabilities.chosen >= $0.probabilities.rejected })

        XCTAssertEqual(try run.records(RunDirectory.evalFile).map { $0["step"] as? Int }, [2, 4], "an evaluation at each round's end")
        let rounds = try run.records(RunDirectory.sppoRoundsFile)
        XCTAssertEqual(rounds.map { $0["iteration"] as? Int }, [1, 2])
        let distribution = try XCTUnwrap(rounds[0]["prob"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(distribution["mean"] as? Double), 0.5, accuracy: 1e-9, "Bradley–Terry estimates average ½")
        XCTAssertEqual((distribution["histogram"] as? [Int])?.reduce(0, +), 8 * 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.url.appendingPathComponent("sppo/reference-1").path),
                       "no resume needs round 1's reference once round 2 has a checkpoint")
    }

    func testExperimentKeysRelateSPPOAndItsLoss() throws {
        var experiment = Experiment()
        XCTAssertThrowsError(try experiment.apply(overrides: ["loss_type=sppo", "lora.enabled=true"])) { error in
            XCTAssertTrue("\(error)".contains("loss_type"), "\(error)")
        }
        experiment = Experiment()
        XCTAssertThrowsError(try experiment.apply(overrides: ["loss_type=sppo", "online.enabled=true"]))
        experiment = Experiment()
        XCTAssertThrowsError(try experiment.apply(overrides: ["loss_type=[sppo, sigmoid]"])) { error in
            XCTAssertTrue("\(error)".contains("cannot be combined"), "\(error)")
        }
        experiment = Experiment()
        XCTAssertThrowsError(try experiment.apply(overrides: ["sppo.judge=oracle"])) { error in
            XCTAssertTrue("\(error)".contains("ground_truth"), "\(error)")
        }
        try experiment.apply(overrides: ["loss_type=sppo", "sppo.judge=implicit_reward:runs/x"])
        XCTAssertTrue(experiment.sppoEnabled)
        XCTAssertEqual(try JudgeSpec(experiment.sppo.judge), .implicitReward(run: "runs/x"))
        XCTAssertEqual(try JudgeSpec("reward_model:runs/rm"), .rewardModel(path: "runs/rm"))
        XCTAssertThrowsError(try JudgeSpec("reward_model:"))
    }
}
