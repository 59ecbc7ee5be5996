import Foundation
import XCTest

@testable import Training

/// Huge margins, |βΔ| up to 1e4, where naive log(σ(x)) or e^(−x) overflow: every loss and gradient stays finite.
final class LossStabilityTests: XCTestCase {
    /// A pair with βΔ = `margin` (rc = rr = −1), one token each so per-token averages are as extreme as sums.
    private func pair(margin: Double, beta: Double) -> PairLogProbs {
        let delta = margin / beta
        let rejected = delta > 0 ? -1 - delta : -1
        return PairLogProbs(
            policyChosen: delta < 0 ? -1 + delta : -1, policyRejected: rejected,
            referenceChosen: -1, referenceRejected: -1, chosenTokens: 1, rejectedTokens: 1,
            rejectedUnlikelihood: tokenUnlikelihood(rejected).value)
    }

    func testEveryPairedLossIsFiniteForHugeMargins() {
        for type in LossType.allCases where type.isPairwise {
            for beta in [0.1, 1, 10] {
                for margin in [-1e4, -700, -40, 40, 700, 1e4] {
                    let settings = LossSettings(lossTypes: [type], beta: beta, labelSmoothing: 0.1, rpoAlpha: 0.5)
                    let result = preferenceLoss([pair(margin: margin, beta: beta)], settings: settings)
                    let what = "\(type.rawValue) β=\(beta) βΔ=\(margin)"
                    XCTAssert(result.loss.isFinite, "\(what): loss \(result.loss)")
                    XCTAssert(result.dPolicyChosen[0].isFinite, "\(what): d/dπc \(result.dPolicyChosen[0])")
                    XCTAssert(result.dPolicyRejected[0].isFinite, "\(what): d/dπr \(result.dPolicyRejected[0])")
                    XCTAssert(result.metrics.values.allSatisfy(\.isFinite), "\(what): metrics \(result.metrics)")
                }
            }
        }
    }

    func testLimitsAreRight() {
        let beta = 0.1
        let won = lossResult(.sigmoid, [pair(margin: 1e4, beta: beta)])
        XCTAssertEqual(won.loss, 0, "−logσ(1e4) underflows to 0")
        XCTAssertEqual(won.dPolicyChosen[0], 0)
        let lost = lossResult(.sigmoid, [pair(margin: -1e4, beta: beta)])
        assertLossClose(lost.loss, 1e4, tolerance: 1e-9, "−logσ(−1e4) = 1e4")
        assertLossClose(lost.dPolicyChosen[0], -beta, tolerance: 1e-15, "the gradient saturates at −β")
        // DiscoPOP's e^(−z) alone would overflow at z = −1e4; m·e^(−z) → 0 and the logistic part is 1e4.
        let disco = lossResult(.discopop, [pair(margin: -1e4, beta: beta)])
        assertLossClose(disco.loss, 1e4, tolerance: 1e-9, "discopop")
        // EXO at z = −1e4 is the KL to (1−ε, ε) of a certain loss: ≈ −log ε.
        let exo = lossResult(.exoPair, [pair(margin: -1e4, beta: beta)]) { $0.labelSmoothing = 1e-3 }
        assertLossClose(exo.loss, -log(1e-3), tolerance: 1e-9, "exo_pair")
    }

    func testKTOIsFiniteForHugeLogRatios() {
        for ratio in [-1e5, -1e3, 1e3, 1e5] {
            for desirable in [true, false] {
                let example = UnpairedLogProbs(
                    policy: -1 + min(ratio, 0), reference: -1 - max(ratio, 0), tokens: 1, desirable: desirable)
                let mismatched = [UnpairedLogProbs(policy: -1, reference: -1 - 1e5, tokens: 1, desirable: true)]
                let result = ktoLoss([example], mismatched: mismatched, settings: LossSettings(lossTypes: [.kto]))
                XCTAssert(result.loss.isFinite && result.dPolicy[0].isFinite, "kto ratio \(ratio) \(desirable)")
                XCTAssert(result.metrics.values.allSatisfy(\.isFinite), "kto metrics \(result.metrics)")
            }
        }
    }
}
