import XCTest
@testable import Training

/// The failure-mode warnings on synthetic metric streams: each fires on a stream that shows its failure and stays
/// quiet on one that does not; and the metrics behind them on worked numbers.
final class DiagnosticsTests: XCTestCase {
    private let limits = DiagnosticThresholds()

    private func table(_ rows: [[String: Double]]) -> MetricTable {
        var table = MetricTable()
        for row in rows { table.append(row) }
        return table
    }

    private func verdict(_ kind: DiagnosticKind, train: [[String: Double]] = [], eval: [[String: Double]]) -> Diagnosis {
        diagnose(train: table(train), eval: table(eval), thresholds: limits).first { $0.kind == kind }!
    }

    func testEveryKindIsJudgedAndUnknownWithoutItsMetrics() {
        let diagnoses = diagnose(train: MetricTable(), eval: MetricTable(), thresholds: limits)
        XCTAssertEqual(diagnoses.map(\.kind), DiagnosticKind.allCases)
        XCTAssertTrue(diagnoses.allSatisfy { $0.verdict == .unknown }, "\(diagnoses)")
    }

    func testDisplacementFiresWhenChosenFallsFarOnMostPairs() {
        let displaced = verdict(.displacement, eval: [
            ["step": 50, "eval_diagnostics/chosen_shift": -3, "eval_diagnostics/chosen_fell": 0.6],
            ["step": 100, "eval_diagnostics/chosen_shift": -40, "eval_diagnostics/chosen_fell": 0.95, "eval_rewards/accuracies": 0.94],
        ])
        XCTAssertEqual(displaced.verdict, .fired)
        XCTAssertEqual(displaced.step, 100)
        XCTAssertTrue(displaced.detail.contains("-40.0 nats") && displaced.detail.contains("95%") && displaced.detail.contains("0.94"), displaced.detail)
        // Far on average but on few pairs, or on most pairs but by little: no warning.
        XCTAssertEqual(verdict(.displacement, eval: [["step": 100, "eval_diagnostics/chosen_shift": -40, "eval_diagnostics/chosen_fell": 0.5]]).verdict, .clear)
        XCTAssertEqual(verdict(.displacement, eval: [["step": 100, "eval_diagnostics/chosen_shift": -4, "eval_diagnostics/chosen_fell": 1]]).verdict, .clear)
        // Without evaluations, the training values count: the mean of the last ten logged steps, so one noisy batch
        // among quiet ones does not fire, and a run that stays displaced does.
        XCTAssertEqual(verdict(.displacement, train: [["step": 7, "diagnostics/chosen_shift": -12, "diagnostics/chosen_fell": 0.9]], eval: []).verdict, .fired)
        let quiet = (1...30).map { ["step": Double($0), "diagnostics/chosen_shift": -7, "diagnostics/chosen_fell": 0.9] }
        let spike = ["step": 31.0, "diagnostics/chosen_shift": -12, "diagnostics/chosen_fell": 1]
        let flicker = verdict(.displacement, train: quiet + [spike], eval: [])
        XCTAssertEqual(flicker.verdict, .clear, flicker.detail)
        XCTAssertEqual(flicker.step, 31)
        XCTAssertTrue(flicker.detail.contains("-7.5 nats") && flicker.detail.contains("91%"), flicker.detail)
        let sustained = (31...40).map { ["step": Double($0), "diagnostics/chosen_shift": -12, "diagnostics/chosen_fell": 0.9] }
        XCTAssertEqual(verdict(.displacement, train: quiet + sustained, eval: []).verdict, .fired)
    }

    func testLengthFiresOnCorrelationOrLongerSamples() {
        XCTAssertEqual(verdict(.length, eval: [["step": 10, "eval_diagnostics/length_correlation": 0.7]]).verdict, .fired)
        XCTAssertEqual(verdict(.length, eval: [["step": 10, "eval_diagnostics/length_correlation": 0.1]]).verdict, .clear)
        XCTAssertEqual(verdict(.length, eval: [["step": 10, "samples/length": 30, "samples/reference_length": 15]]).verdict, .fired)
        let clear = verdict(.length, eval: [["step": 10, "eval_diagnostics/length_correlation": 0.2, "samples/length": 16, "samples/reference_length": 15]])
        XCTAssertEqual(clear.verdict, .clear)
        XCTAssertTrue(clear.detail.contains("1.07×"), clear.detail)
    }

    func testCollapseFiresWhenEntropyOrDiversityFallBelowHalfTheReferences() {
        let row: [String: Double] = ["step": 20, "samples/entropy": 2.0, "samples/reference_entropy": 2.4,
                                     "samples/distinct_2": 0.5, "samples/reference_distinct_2": 0.6, "samples/repetition": 0.02]
        XCTAssertEqual(verdict(.collapse, eval: [row]).verdict, .clear)
        var lowEntropy = row
        lowEntropy["samples/entropy"] = 0.9
        XCTAssertEqual(verdict(.collapse, eval: [lowEntropy]).verdict, .fired)
        var repetitive = row
        repetitive["samples/distinct_2"] = 0.2
        XCTAssertEqual(verdict(.collapse, eval: [repetitive]).verdict, .fired)
    }

    func testDriftFiresAboveTheKLLimit() {
        XCTAssertEqual(verdict(.drift, eval: [["step": 5, "samples/kl": 41.3, "samples/kl_per_token": 1.3]]).verdict, .fired)
        let near = verdict(.drift, eval: [["step": 5, "samples/kl": 12]])
        XCTAssertEqual(near.verdict, .clear)
        XCTAssertTrue(near.detail.contains("12.0 nats"), near.detail)
    }

    /// The frontier sweep's DPO at β 0.05 (2026-12-04): KL 2.74 at step 50 with β·Δ 0.12, where β 1 had braked.
    func testBetaIdleFiresWhileTheMarginIsNearZeroAndKLHasGrown() throws {
        let train = [["step": 50.0, "diagnostics/chosen_shift": -3, "rewards/margins": 0.9]]
        let idle = verdict(.betaIdle, train: train, eval: [["step": 50, "samples/kl": 2.74, "eval_rewards/margins": 0.12]])
        XCTAssertEqual(idle.verdict, .fired, "the held-out margin at the KL's evaluation counts, not training's")
        XCTAssertEqual(idle.step, 50)
        XCTAssertTrue(idle.detail.contains("β·Δ 0.12") && idle.detail.contains("KL 2.7 nats"), idle.detail)
        // Braking (β·Δ past the threshold), or still near the reference: no warning.
        XCTAssertEqual(verdict(.betaIdle, train: train, eval: [["step": 50, "samples/kl": 2.74, "eval_rewards/margins": 0.6]]).verdict, .clear)
        XCTAssertEqual(verdict(.betaIdle, train: train, eval: [["step": 20, "samples/kl": 0.47, "eval_rewards/margins": 0.03]]).verdict, .clear)
        // Without held-out pairs the training margins count; a loss with no reference (Preferred-FT) is not judged.
        let trainOnly = (41...50).map { ["step": Double($0), "diagnostics/chosen_shift": -3, "rewards/margins": 0.1] }
        XCTAssertEqual(verdict(.betaIdle, train: trainOnly, eval: [["step": 50, "samples/kl": 2.74]]).verdict, .fired)
        let sft = (41...50).map { ["step": Double($0), "rewards/margins": 0.1] }
        XCTAssertEqual(verdict(.betaIdle, train: sft, eval: [["step": 50, "samples/kl": 2.74]]).verdict, .unknown)
        var experiment = Experiment()
        try experiment.apply(overrides: ["diagnostics.idle_kl=5", "diagnostics.idle_margin=0.1"])
        let relaxed = diagnose(train: table(train), eval: table([["step": 50, "samples/kl": 4, "eval_rewards/margins": 0.05]]),
                               thresholds: experiment.diagnostics)
        XCTAssertEqual(relaxed.first { $0.kind == .betaIdle }?.verdict, .clear)
        XCTAssertThrowsError(try experiment.apply(overrides: ["diagnostics.idle_kl=0"]))
    }

    func testOverfittingFiresWhenHeldOutLossRisesWhileTrainingLossFalls() {
        let train = (1...40).map { ["step": Double($0), "loss": 0.7 - 0.015 * Double($0)] }
        let rising = [["step": 10, "eval_loss": 0.5, "epoch": 0.5], ["step": 20, "eval_loss": 0.4, "epoch": 1], ["step": 40, "eval_loss": 0.5, "epoch": 2]]
        let fired = verdict(.overfitting, train: train, eval: rising)
        XCTAssertEqual(fired.verdict, .fired)
        XCTAssertTrue(fired.detail.contains("best 0.400 at step 20 (epoch 1.00)"), fired.detail)
        let falling = [["step": 10, "eval_loss": 0.5], ["step": 20, "eval_loss": 0.4], ["step": 40, "eval_loss": 0.38]]
        XCTAssertEqual(verdict(.overfitting, train: train, eval: falling).verdict, .clear)
        // Both losses rising is a divergence, not over-fitting.
        let diverging = (1...40).map { ["step": Double($0), "loss": 0.3 + 0.015 * Double($0)] }
        XCTAssertEqual(verdict(.overfitting, train: diverging, eval: rising).verdict, .clear)
    }

    func testRewardHackingFiresWhenTheMarginGrowsWithoutGroundTruthGain() {
        XCTAssertEqual(verdict(.rewardHacking, eval: [["step": 9, "eval_rewards/margins": 4, "samples/reward": 0.40, "samples/reference_reward": 0.44]]).verdict, .fired)
        XCTAssertEqual(verdict(.rewardHacking, eval: [["step": 9, "eval_rewards/margins": 4, "samples/reward": 0.80, "samples/reference_reward": 0.44]]).verdict, .clear)
        XCTAssertEqual(verdict(.rewardHacking, eval: [["step": 9, "eval_rewards/margins": 0.2, "samples/reward": 0.40, "samples/reference_reward": 0.44]]).verdict, .clear)
    }

    func testDegenerateFiresAboveTheShareAndTheReferences() {
        XCTAssertEqual(verdict(.degenerate, eval: [["step": 3, "samples/degenerate": 0.3, "samples/reference_degenerate": 0]]).verdict, .fired)
        XCTAssertEqual(verdict(.degenerate, eval: [["step": 3, "samples/degenerate": 0.3, "samples/reference_degenerate": 0.4]]).verdict, .clear)
        XCTAssertEqual(verdict(.degenerate, eval: [["step": 3, "samples/degenerate": 0.05]]).verdict, .clear)
    }

    func testTheThresholdsAreTheExperimentsKeys() throws {
        var experiment = Experiment()
        try experiment.apply(overrides: ["diagnostics.kl_max=50", "diagnostics.displacement_nats=3"])
        XCTAssertEqual(experiment.diagnostics.klMax, 50)
        XCTAssertEqual(experiment.diagnostics.displacementNats, 3)
        XCTAssertThrowsError(try experiment.apply(overrides: ["diagnostics.diversity_ratio=1.5"]))
        let kl = diagnose(train: MetricTable(), eval: table([["step": 5, "samples/kl": 41.3]]), thresholds: experiment.diagnostics)
        XCTAssertEqual(kl.first { $0.kind == .drift }?.verdict, .clear)
    }

    // MARK: the metrics behind them

    func testPairDiagnosticsOnWorkedNumbers() {
        // Chosen shifts −2, +1, −4 (two of three fell, mean −5/3); margins Δ = −2−(−3) = 1, 1−(−1) = 2, −4−(−1) = −3;
        // length differences 2, 4, −6: correlation of (1, 2, −3) with (2, 4, −6) is exactly 1 (proportional).
        let pairs = [
            PairLogProbs(policyChosen: -12, policyRejected: -13, referenceChosen: -10, referenceRejected: -10, chosenTokens: 6, rejectedTokens: 4),
            PairLogProbs(policyChosen: -9, policyRejected: -11, referenceChosen: -10, referenceRejected: -10, chosenTokens: 8, rejectedTokens: 4),
            PairLogProbs(policyChosen: -14, policyRejected: -11, referenceChosen: -10, referenceRejected: -10, chosenTokens: 2, rejectedTokens: 8),
        ]
        let metrics = pairDiagnostics(pairs, lengths: true)
        XCTAssertEqual(metrics["diagnostics/chosen_shift"]!, -5.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(metrics["diagnostics/chosen_fell"]!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(metrics["diagnostics/length_correlation"]!, 1, accuracy: 1e-12)
        XCTAssertNil(pairDiagnostics(pairs, lengths: false)["diagnostics/length_correlation"])
        // Equal lengths have no variance: no correlation rather than a NaN in the journal.
        let equal = pairs.map { PairLogProbs(policyChosen: $0.policyChosen, policyRejected: $0.policyRejected, referenceChosen: -10,
                                             referenceRejected: -10, chosenTokens: 5, rejectedTokens: 5) }
        XCTAssertNil(pairDiagnostics(equal, lengths: true)["diagnostics/length_correlation"])
        // x = (1, 2, 3), y = (1, 3, 2): covariance 1, variances 2 and 2, r = 0.5.
        XCTAssertEqual(pearson([1, 2, 3], [1, 3, 2]), 0.5, accuracy: 1e-12)
    }

    func testSampleDiagnosticsOnWorkedNumbers() {
        // Policy: [1 2 1 2 1 2] has bigrams 12 21 12 21 12 (2 distinct) and 4-grams 1212 2121 1212 (one repeat of 3);
        // [5 6 7] has bigrams 56 67 and no 4-gram. Distinct-2: 4 of 7. Entropy: −(−6 − 3) / 9 tokens = 1.
        let policy = SampleSet(completions: [[1, 2, 1, 2, 1, 2], [5, 6, 7]], texts: ["ab", "c\u{FFFD}"], logProbs: [-6, -3], rewards: [1, 0])
        let reference = SampleSet(completions: [[1, 2, 3, 4]], texts: ["ok"], logProbs: [-8], rewards: [0.25])
        let metrics = sampleDiagnostics(policy: policy, reference: reference, logRatios: [3, 6])
        XCTAssertEqual(metrics["samples/length"]!, 4.5, accuracy: 1e-12)
        XCTAssertEqual(metrics["samples/reference_length"]!, 4, accuracy: 1e-12)
        XCTAssertEqual(metrics["samples/entropy"]!, 1, accuracy: 1e-12)
        XCTAssertEqual(metrics["samples/reference_entropy"]!, 2, accuracy: 1e-12)
        XCTAssertEqual(metrics["samples/distinct_2"]!, 4.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(metrics["samples/reference_distinct_2"]!, 1, accuracy: 1e-12)
        XCTAssertEqual(metrics["samples/repetition"]!, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(metrics["samples/kl"]!, 4.5, accuracy: 1e-12)
        XCTAssertEqual(metrics["samples/kl_per_token"]!, 1, accuracy: 1e-12)
        XCTAssertEqual(metrics["samples/reward"]!, 0.5, accuracy: 1e-12)
        // Rewards 1 and 0: sample variance 0.5, standard error √(0.5 / 2) = 0.5.
        XCTAssertEqual(metrics["samples/reward_se"]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(metrics["samples/reference_reward"]!, 0.25, accuracy: 1e-12)
        // The second policy sample is not valid UTF-8; the first says no 4-gram three times.
        XCTAssertEqual(metrics["samples/degenerate"]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(metrics["samples/reference_degenerate"]!, 0, accuracy: 1e-12)
        XCTAssertTrue(isDegenerate([9, 8, 7, 6, 9, 8, 7, 6, 9, 8, 7, 6], text: "x"))
        XCTAssertNil(sampleDiagnostics(policy: policy, reference: nil, logRatios: nil)["samples/kl"])
    }
}
