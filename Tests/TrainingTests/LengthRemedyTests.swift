import Foundation
import Model
import Preference
import XCTest
@testable import Training

/// The length remedies: R-DPO's margin term (`rdpo_alpha`) and LD-DPO's token weighting (`ld_alpha`), against
/// worked numbers, and their key checks.
final class LengthRemedyTests: XCTestCase {
    /// Lc = 1, Lr = 0, β = 0.1, |y_w| = 6, |y_l| = 2, α = 0.05: z = 0.1 − 0.05·4 = −0.1, so the loss is
    /// −log σ(−0.1) = log(1 + e^0.1) = 0.7443967 and ∂/∂πc = −β·σ(0.1) = −0.0524979 (∂/∂πr its negative); without
    /// the term z = 0.1 and the loss is log(1 + e^−0.1) = 0.6443967.
    func testRDPOShiftsTheMarginByTheLengthDifference() {
        let pair = PairLogProbs(policyChosen: -10, policyRejected: -5, referenceChosen: -11, referenceRejected: -5,
                                chosenTokens: 6, rejectedTokens: 2)
        let plain = preferenceLoss([pair], settings: LossSettings(beta: 0.1))
        XCTAssertEqual(plain.loss, log(1 + exp(-0.1)), accuracy: 1e-12)
        let regularized = preferenceLoss([pair], settings: LossSettings(beta: 0.1, rdpoAlpha: 0.05))
        XCTAssertEqual(regularized.loss, 0.744396660073571, accuracy: 1e-12)
        XCTAssertEqual(regularized.dPolicyChosen[0], -0.1 / (1 + exp(-0.1)), accuracy: 1e-12)
        XCTAssertEqual(regularized.dPolicyRejected[0], 0.1 / (1 + exp(-0.1)), accuracy: 1e-12)
        XCTAssertEqual(regularized.metrics["rewards/margins"], plain.metrics["rewards/margins"], "rewards stay β·log-ratios")
        // Equal lengths: the term vanishes.
        var even = pair
        even.rejectedTokens = 6
        XCTAssertEqual(preferenceLoss([even], settings: LossSettings(beta: 0.1, rdpoAlpha: 0.05)).loss, plain.loss, accuracy: 1e-12)
    }

    /// Chosen of 4 tokens, rejected of 2: with α = 0.25 the chosen sum is l₀ + l₁ + 0.25·(l₂ + l₃), the rejected
    /// sum is whole, and each token's gradient carries the same weight as its log-prob.
    func testLDDPOWeighsTheTokensBeyondTheShorterCompletion() {
        let pair = TokenizedPair(prompt: [1, 2], chosen: [3, 4, 5, 6], rejected: [7, 8], source: SourceLocation(file: "t", line: 1))
        let batch = PairBatch([pair])
        XCTAssertEqual(batch.completionTokens, 6)
        let chosen = batch.chosenTargets[0], rejected = batch.rejectedTargets[0]
        var logp = [Float](repeating: 0, count: 6)
        for (k, t) in chosen.enumerated() { logp[t] = [-1, -2, -4, -8][k] }
        for (k, t) in rejected.enumerated() { logp[t] = [-3, -5][k] }
        let plain = batch.sums(logp)[0]
        XCTAssertEqual(plain.chosen, -15)
        XCTAssertEqual(plain.rejected, -8)
        let weighted = batch.sums(logp, ldAlpha: 0.25)[0]
        XCTAssertEqual(weighted.chosen, -1 - 2 + 0.25 * (-4 - 8))
        XCTAssertEqual(weighted.rejected, -8)
        XCTAssertEqual(weighted.chosenTokens, 4)
        let gradients = batch.targetGradients(dChosen: [2], dRejected: [-1], ldAlpha: 0.25)
        XCTAssertEqual(chosen.map { gradients[$0] }, [2, 2, 0.5, 0.5])
        XCTAssertEqual(rejected.map { gradients[$0] }, [-1, -1])
        XCTAssertEqual(batch.targetGradients(dChosen: [2], dRejected: [-1]), batch.targetGradients(dChosen: [2], dRejected: [-1], ldAlpha: 1))
    }

    func testKeysCheckWhereTheRemediesApply() throws {
        var experiment = Experiment()
        try experiment.apply(overrides: ["rdpo_alpha=0.02", "ld_alpha=0.5"])
        XCTAssertEqual(experiment.loss.rdpoAlpha, 0.02)
        XCTAssertEqual(experiment.loss.ldAlpha, 0.5)
        XCTAssertThrowsError(try Experiment().validated(["loss_type=ipo", "rdpo_alpha=0.1"])) { error in
            XCTAssertTrue("\(error)".contains("rdpo_alpha"), "\(error)")
        }
        XCTAssertThrowsError(try Experiment().validated(["ld_alpha=1.5"]))
        XCTAssertThrowsError(try Experiment().validated(["loss_type=kto", "ld_alpha=0.5"]))
        let decoded = try JSONDecoder().decode(LossSettings.self, from: Data(#"{"rdpo_alpha": 0.1, "ld_alpha": 0.3}"#.utf8))
        XCTAssertEqual(decoded, LossSettings(rdpoAlpha: 0.1, ldAlpha: 0.3))
    }
}

private extension Experiment {
    func validated(_ overrides: [String]) throws -> Experiment {
        var copy = self
        try copy.apply(overrides: overrides)
        return copy
    }
}
