import Foundation
import XCTest

@testable import Training

/// The worked numbers of LOSSES.md, and more of our own computed independently with Python's `math` module.
/// In the one-liners, `ls` is logσ and `sg` is σ:
/// `from math import *; ls=lambda x:-log1p(exp(-x)) if x>=0 else x-log1p(exp(x)); sg=lambda x:1/(1+exp(-x))`
final class LossWorkedNumberTests: XCTestCase {
    // MARK: LOSSES.md: policy equal to reference (Δ = 0), β = 0.1

    func testPolicyEqualToReferenceMatchesLossesMD() {
        let ln2 = 0.693147
        let cases: [(LossType, Double, Double)] = [  // (loss, label smoothing, LOSSES.md's value)
            (.sigmoid, 0, ln2), (.sigmoid, 0.2, ln2), (.robust, 0, ln2), (.robust, 0.2, ln2),
            (.ipo, 0, 25), (.sppoHard, 0, 50), (.hinge, 0, 1), (.bcoPair, 0, 2 * ln2), (.ncaPair, 0, 2 * ln2),
            (.apoZero, 0, 1), (.apoDown, 0, 1), (.discopop, 0, 0.846574), (.exoPair, 1e-3, 2.761231),
            (.sigmoidNorm, 0, ln2),
        ]
        for (type, epsilon, expected) in cases {
            let result = lossResult(type, [unmovedPair, unmovedPair]) { $0.labelSmoothing = epsilon }
            let name = "\(type.rawValue) ε=\(epsilon)"
            assertLossClose(result.loss, expected, tolerance: 1e-6, name)
            assertLossClose(result.metrics["loss"], result.loss, tolerance: 0, "\(name) metrics/loss")
            for key in ["rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"] {
                assertLossClose(result.metrics[key], 0, tolerance: 0, "\(name) \(key)")
            }
        }
    }

    func testPolicyEqualToReferenceFullPrecision() {
        // python3 -c "from math import *; print(log(2), 0.5*log(2)+0.5)"
        // python3 -c "from math import *; print(0.5*(-log(2)-log(0.999))+0.5*(-log(2)-log(1e-3)))"
        assertLossClose(lossResult(.sigmoid, [unmovedPair]).loss, 0.6931471805599453, tolerance: 1e-15)
        assertLossClose(lossResult(.discopop, [unmovedPair]).loss, 0.8465735902799727, tolerance: 1e-15)
        let exo = lossResult(.exoPair, [unmovedPair]) { $0.labelSmoothing = 1e-3 }
        assertLossClose(exo.loss, 2.761230709097915, tolerance: 1e-14)
    }

    // MARK: LOSSES.md: πc = −10, πr = −12, rc = rr = −11, β = 0.1

    func testWorkedPairMatchesLossesMD() {
        let result = lossResult(.sigmoid, [workedPair])
        assertLossClose(result.loss, 0.598139, tolerance: 1e-6, "sigmoid")
        assertLossClose(result.metrics["rewards/chosen"], 0.1, tolerance: 1e-15, "rewards/chosen")
        assertLossClose(result.metrics["rewards/rejected"], -0.1, tolerance: 1e-15, "rewards/rejected")
        assertLossClose(result.metrics["rewards/margins"], 0.2, tolerance: 1e-15, "rewards/margins")
        assertLossClose(result.metrics["rewards/accuracies"], 1, tolerance: 0, "rewards/accuracies")
        assertLossClose(result.metrics["logps/chosen"], -10, tolerance: 0, "logps/chosen")
        assertLossClose(result.metrics["logps/rejected"], -12, tolerance: 0, "logps/rejected")
        // d loss/dΔ = −0.0450166; Δ = (πc − rc) − (πr − rr), so d/dπc = d/dΔ and d/dπr = −d/dΔ.
        assertLossClose(result.dPolicyChosen[0], -0.0450166, tolerance: 1e-7, "d/dπc")
        assertLossClose(result.dPolicyRejected[0], 0.0450166, tolerance: 1e-7, "d/dπr")
        // python3 -c "from math import *; print(log1p(exp(-0.2)), -0.1/(1+exp(0.2)))"
        assertLossClose(result.loss, 0.5981388693815918, tolerance: 1e-15)
        assertLossClose(result.dPolicyChosen[0], -0.04501660026875222, tolerance: 1e-15)
    }

    // MARK: Our own numbers on the worked pair (Lc = 1, Lr = −1, z = βΔ = 0.2, |yc| = 4, |yr| = 5)

    func testEveryPairwiseLossOnTheWorkedPair() {
        let cases: [(LossType, Double, Double)] = [  // (loss, label smoothing, value)
            // cDPO: −0.9·ls(0.2) − 0.1·ls(−0.2), which is the DPO loss + ε·z
            // python3 -c "...; z=0.2; print(-0.9*ls(z)-0.1*ls(-z))"
            (.sigmoid, 0.1, 0.6181388693815918),
            // rDPO: python3 -c "...; z=0.2; print((-0.9*ls(z)+0.1*ls(-z))/0.8)"
            (.robust, 0.1, 0.5731388693815918),
            (.robust, 0, 0.5981388693815918),
            (.hinge, 0, 0.8),  // 1 − 0.2
            // python3 -c "print((1/4+1/5-1/(2*0.1))**2)"
            (.ipo, 0, 20.702499999999997),
            // python3 -c "...; z=0.2; e=1e-3; print(sg(z)*(ls(z)-log(1-e))+sg(-z)*(ls(-z)-log(e)))"
            (.exoPair, 1e-3, 2.422014620661648),
            // python3 -c "...; print(-ls(0.1)-0.5*ls(-0.1)-0.5*ls(0.1))"
            (.ncaPair, 0, 1.3387933201471418),
            // python3 -c "...; print(-ls(0.1)-ls(0.1))"
            (.bcoPair, 0, 1.2887933201471418),
            (.sppoHard, 0, 32),  // (1 − 5)² + (−1 + 5)²
            // python3 -c "...; print(1-sg(0.1)+sg(-0.1))"
            (.apoZero, 0, 0.95004162504212),
            // python3 -c "...; print(sg(0.1)+1-sg(0.2))"
            (.apoDown, 0, 0.9751451901664621),
            // python3 -c "...; z=0.2; m=sg(z/0.05); print((1-m)*-ls(z)+m*exp(-z))"
            (.discopop, 0, 0.8147631411418853),
            // python3 -c "...; print(-ls(0.1*(1/4+1/5)))"
            (.sigmoidNorm, 0, 0.6709002842054063),
        ]
        for (type, epsilon, expected) in cases {
            let result = lossResult(type, [workedPair]) { $0.labelSmoothing = epsilon }
            assertLossClose(result.loss, expected, tolerance: 1e-13, "\(type.rawValue) ε=\(epsilon)")
            // Rewards are β·(π − r) whatever the loss.
            assertLossClose(result.metrics["rewards/chosen"], 0.1, tolerance: 1e-15, "\(type.rawValue) reward")
        }
    }

    /// AOT on two pairs whose sorting crosses them. Policy πc − πr: pair 1 (−10, −12) → 2, pair 2 (−8.5, −13) → 4.5;
    /// reference rc − rr: pair 1 (−11, −12) → 1, pair 2 (−10, −9) → −1. `aot` meets sorted policy (2, 4.5) with
    /// sorted reference (−1, 1): δ = 3 for pair 1 and 3.5 for pair 2, where DPO's own margins are 1 and 5.5.
    /// Chosen Lc: 1, 1.5; rejected Lr: 0, −4. `aot_unpaired` meets sorted Lc (1: pair 1, 1.5: pair 2) with sorted Lr
    /// (−4: pair 2, 0: pair 1): δ = 5 (chosen 1 with rejected 2) and 1.5 (chosen 2 with rejected 1). β = 0.1:
    /// python3 -c "from math import *; sp=lambda x:log1p(exp(x)); sg=lambda x:1/(1+exp(-x)); b=0.1;
    ///   print((sp(-b*3)+sp(-b*3.5))/2, b*-sg(-b*3)/2, b*-sg(-b*3.5)/2, (sp(-b*5)+sp(-b*1.5))/2, b*-sg(-b*5)/2,
    ///   b*-sg(-b*1.5)/2, (sp(-b*1)+sp(-b*5.5))/2)"
    func testAOTSortsTheBatchsLogRatios() {
        let pairs = [
            PairLogProbs(policyChosen: -10, policyRejected: -12, referenceChosen: -11, referenceRejected: -12, chosenTokens: 3, rejectedTokens: 3),
            PairLogProbs(policyChosen: -8.5, policyRejected: -13, referenceChosen: -10, referenceRejected: -9, chosenTokens: 3, rejectedTokens: 3),
        ]
        let aot = lossResult(.aot, pairs)
        assertLossClose(aot.loss, 0.5438686999436521, tolerance: 1e-14, "aot")
        assertLossClose(aot.dPolicyChosen[0], -0.02127787415941705, tolerance: 1e-15, "aot dπc pair 1")
        assertLossClose(aot.dPolicyRejected[0], 0.02127787415941705, tolerance: 1e-15, "aot dπr pair 1")
        assertLossClose(aot.dPolicyChosen[1], -0.020669121054133502, tolerance: 1e-15, "aot dπc pair 2")
        assertLossClose(lossResult(.sigmoid, pairs).loss, 0.5499445707684543, tolerance: 1e-14, "DPO, pair by pair")
        let unpaired = lossResult(.aotUnpaired, pairs)
        assertLossClose(unpaired.loss, 0.5475170159848194, tolerance: 1e-14, "aot_unpaired")
        assertLossClose(unpaired.dPolicyChosen[0], -0.01887703343990727, tolerance: 1e-15, "chosen 1 meets rejected 2")
        assertLossClose(unpaired.dPolicyRejected[1], 0.01887703343990727, tolerance: 1e-15, "rejected 2 meets chosen 1")
        assertLossClose(unpaired.dPolicyChosen[1], -0.023128507732812525, tolerance: 1e-15, "chosen 2 meets rejected 1")
        assertLossClose(unpaired.dPolicyRejected[0], 0.023128507732812525, tolerance: 1e-15, "rejected 1 meets chosen 2")
    }

    func testSimPO() {
        // m = −10/4 + 12/5 − γ/β = −5.1; python3 -c "...; print(-ls(0.1*(-10/4+12/5-0.5/0.1)))"
        let result = lossResult(.simpo, [workedPair])
        assertLossClose(result.loss, 0.980313318044875, tolerance: 1e-14, "simpo")
        // Rewards are β·(average policy log-prob), as TRL's CPO trainer.
        assertLossClose(result.metrics["rewards/chosen"], -0.25, tolerance: 1e-15, "rewards/chosen")
        assertLossClose(result.metrics["rewards/rejected"], -0.24, tolerance: 1e-15, "rewards/rejected")
        assertLossClose(result.metrics["rewards/accuracies"], 0, tolerance: 0, "rewards/accuracies")
        assertLossClose(result.metrics["logps/chosen"], -10, tolerance: 0, "logps/chosen (summed)")
        XCTAssertNil(result.metrics["nll_loss"])

        // With label smoothing, as TRL's CPO trainer; the reference log-probs are ignored.
        // python3 -c "...; x=0.1*(-10/4+12/5-0.5/0.1); print(-0.9*ls(x)-0.1*ls(-x), 0.1/4*(-sg(-x)))"
        var shifted = workedPair
        shifted.referenceChosen = 123
        let smoothed = lossResult(.simpo, [shifted]) { $0.labelSmoothing = 0.1 }
        assertLossClose(smoothed.loss, 0.9293133180448749, tolerance: 1e-14, "simpo ε=0.1")
        let plain = lossResult(.simpo, [shifted])
        assertLossClose(plain.dPolicyChosen[0], -0.1 / 4 * (1 - 1 / (1 + exp(0.51))), tolerance: 1e-15, "d/dπc")
    }

    func testORPO() {
        // p̄c = −2.5, p̄r = −2.4, log_odds = (p̄c − p̄r) − (log(1 − e^p̄c) − log(1 − e^p̄r)),
        // loss = NLL − λ·ls(log_odds):
        // python3 -c "...; a,c=-2.5,-2.4; lo=(a-c)-(log1p(-exp(a))-log1p(-exp(c))); print(2.5-0.1*ls(lo), lo, ls(lo))"
        let result = lossResult(.orpo, [workedPair])
        assertLossClose(result.loss, 2.5749368565368305, tolerance: 1e-14, "orpo, λ = β")
        assertLossClose(result.metrics["nll_loss"], 2.5, tolerance: 1e-15, "nll_loss")
        assertLossClose(result.metrics["log_odds_chosen"], -0.10944946678036466, tolerance: 1e-14, "log_odds_chosen")
        assertLossClose(result.metrics["log_odds_ratio"], -0.7493685653683033, tolerance: 1e-14, "log_odds_ratio")
        assertLossClose(result.metrics["rewards/chosen"], -0.25, tolerance: 1e-15, "rewards/chosen")
        assertLossClose(result.metrics["rewards/margins"], -0.01, tolerance: 1e-15, "rewards/margins")

        let lambdaOne = lossResult(.orpo, [workedPair]) { $0.orpoLambda = 1 }
        assertLossClose(lambdaOne.loss, 2.5 + 0.7493685653683033, tolerance: 1e-14, "orpo, λ = 1")
        assertLossClose(lambdaOne.metrics["rewards/chosen"], -0.25, tolerance: 1e-15, "rewards use β, not λ")
    }

    /// `orpo_nll: sequence` (TRL's ORPOTrainer): the NLL averages over prompt and completion tokens together.
    func testORPOSequenceNLLCoversThePrompt() throws {
        // Worked pair plus a prompt of 3 tokens (2 predicted) with log-prob −3: NLL = (10 + 3)/(4 + 2) = 13/6,
        // against 10/4 over the completion; the odds-ratio term is the same, 0.7493685653683033 at λ = β = 0.1
        // (testORPO). Every prompt and chosen log-prob gets the slope −1/6.
        var pair = workedPair
        pair.promptLogProb = -3
        pair.promptTokens = 2
        var settings = LossSettings(lossTypes: [.orpo])
        settings.orpoNLL = .sequence
        try settings.validate()
        let result = preferenceLoss([pair], settings: settings)
        let completion = lossResult(.orpo, [pair])
        assertLossClose(result.metrics["nll_loss"], 13.0 / 6, tolerance: 1e-15, "nll_loss over the sequence")
        assertLossClose(completion.metrics["nll_loss"], 2.5, tolerance: 1e-15, "nll_loss over the completion")
        assertLossClose(result.loss - result.metrics["nll_loss"]!, completion.loss - 2.5, tolerance: 1e-14, "the same odds-ratio term")
        assertLossClose(result.dPrompt[0], -1.0 / 6, tolerance: 1e-15, "d/dπp")
        assertLossClose(result.dPolicyChosen[0] - completion.dPolicyChosen[0], -1.0 / 6 + 0.25, tolerance: 1e-14, "d/dπc: the NLL's share")
        XCTAssertEqual(completion.dPrompt, [], "the paper's NLL leaves the prompt alone")
        settings.lossTypes = [.sigmoid]
        XCTAssertThrowsError(try settings.validate(), "orpo_nll without orpo")
    }

    func testUnlikelihoodByHand() {
        // Worked pair (πc = −10 over 4 tokens, 5 rejected tokens) with Ur = Σ log(1 − p) = −0.5:
        // loss = 10/4 + 0.5/5 = 2.6; d/dπc = −1/4, d/dUr = −1/5, and πr has no say.
        let pair = workedPair
        let result = lossResult(.unlikelihood, [pair])
        assertLossClose(result.loss, 2.6, tolerance: 1e-15, "unlikelihood")
        assertLossClose(result.dPolicyChosen[0], -0.25, tolerance: 1e-15, "d/dπc")
        XCTAssertEqual(result.dPolicyRejected, [0])
        assertLossClose(result.dRejectedUnlikelihood[0], -0.2, tolerance: 1e-15, "d/dUr")
        assertLossClose(result.metrics["rewards/chosen"], 0.1, tolerance: 1e-15, "rewards stay β·(π − r)")

        // A batch mean: a second pair with πc = −3 over 1 token and Ur = −2 over 2 tokens adds 3 + 1 = 4.
        let second = PairLogProbs(policyChosen: -3, policyRejected: -1, chosenTokens: 1, rejectedTokens: 2, rejectedUnlikelihood: -2)
        let batch = lossResult(.unlikelihood, [pair, second])
        assertLossClose(batch.loss, (2.6 + 4) / 2, tolerance: 1e-15, "batch mean")
        assertLossClose(batch.dRejectedUnlikelihood[1], -0.25, tolerance: 1e-15, "(1/2)·(−1/2)")
        XCTAssertEqual(lossResult(.sigmoid, [pair]).dRejectedUnlikelihood, [], "only unlikelihood reads Ur")
    }

    func testTokenUnlikelihoodByHandAndClampedAsWelleck() {
        // l = −2.4: e^−2.4 = 1/(e²·e^0.4) = 1/(7.389056·1.491825) = 0.0907180; ln(1 − 0.0907180) = −(0.0907180 +
        // 0.0907180²/2 + 0.0907180³/3 + …) = −0.0951000; slope −e^l/(1 − e^l) = −0.0907180/0.9092820 = −0.0997688.
        // (python3 -c "from math import *; print(log1p(-exp(-2.4)), -1/expm1(2.4))" agrees.)
        let token = tokenUnlikelihood(-2.4)
        assertLossClose(token.value, -0.0951000, tolerance: 1e-7, "log(1 − p)")
        assertLossClose(token.slope, -0.0997688, tolerance: 1e-7, "d/dl")
        // l = −1e-7: 1 − p ≈ 1e-7 is below the 1e-5 floor, so the term is ln 1e-5 = −5·ln 10 = −11.5129255 and
        // the token gets no gradient.
        let certain = tokenUnlikelihood(-1e-7)
        assertLossClose(certain.value, -11.5129255, tolerance: 1e-7, "clamped")
        XCTAssertEqual(certain.slope, 0)
    }

    func testSFTAveragesOverAllChosenTokensAsTRL() {
        // Σ(−πc)/Σ|yc| = (10 + 3)/(4 + 1) = 2.6; a mean of per-sequence means would be (2.5 + 3)/2 = 2.75.
        let short = PairLogProbs(
            policyChosen: -3, policyRejected: -4, referenceChosen: -3.5, referenceRejected: -3.5,
            chosenTokens: 1, rejectedTokens: 2)
        let result = lossResult(.sft, [workedPair, short])
        assertLossClose(result.loss, 2.6, tolerance: 1e-15, "sft")
        assertLossClose(result.metrics["nll_loss"], 2.6, tolerance: 1e-15, "nll_loss")
        XCTAssertEqual(result.dPolicyChosen, [-0.2, -0.2])
        XCTAssertEqual(result.dPolicyRejected, [0, 0])
        // Rewards stay β·(π − r): (0.1·1 + 0.1·0.5)/2.
        assertLossClose(result.metrics["rewards/chosen"], 0.075, tolerance: 1e-15, "rewards/chosen")
    }

    func testRPOAddsAlphaTimesNLL() {
        // 0.5981388693815918 + 1·10/4; gradient −0.04501660026875222 − 1/4
        let result = lossResult(.sigmoid, [workedPair]) { $0.rpoAlpha = 1 }
        assertLossClose(result.loss, 3.0981388693815918, tolerance: 1e-15, "sigmoid + rpo")
        assertLossClose(result.dPolicyChosen[0], -0.29501660026875222, tolerance: 1e-15, "d/dπc")
        assertLossClose(result.dPolicyRejected[0], 0.04501660026875222, tolerance: 1e-15, "d/dπr")
        assertLossClose(result.metrics["nll_loss"], 2.5, tolerance: 0, "nll_loss")
        XCTAssertNil(result.metrics["loss/sigmoid"], "one loss type: no components")
    }

    func testWeightedCombination() {
        // loss_type [sigmoid, sft], loss_weights [1, 0.5]: 0.5981388693815918 + 0.5·2.5
        let settings = LossSettings(lossTypes: [.sigmoid, .sft], lossWeights: [1, 0.5])
        let result = preferenceLoss([workedPair], settings: settings)
        assertLossClose(result.loss, 1.8481388693815918, tolerance: 1e-15, "combination")
        assertLossClose(result.dPolicyChosen[0], -0.04501660026875222 - 0.125, tolerance: 1e-15, "d/dπc")
        assertLossClose(result.metrics["loss/sigmoid"], 0.5981388693815918, tolerance: 1e-15, "loss/sigmoid")
        assertLossClose(result.metrics["loss/sft"], 2.5, tolerance: 0, "loss/sft (unweighted)")
        assertLossClose(result.metrics["nll_loss"], 2.5, tolerance: 0, "nll_loss")
        assertLossClose(result.metrics["rewards/chosen"], 0.1, tolerance: 1e-15, "primary's rewards")

        // MPO-style three-way mix; weights default to 1. ipo 20.7025 + sigmoid + bco_pair, as above.
        let mix = preferenceLoss([workedPair], settings: LossSettings(lossTypes: [.ipo, .sigmoid, .bcoPair]))
        assertLossClose(
            mix.loss, 20.702499999999997 + 0.5981388693815918 + 1.2887933201471418, tolerance: 1e-13, "mix")
    }

    func testBatchMeanAndStrictAccuracy() {
        // Two pairs: the worked pair (Δ = 2) and a tie (Δ = 0); the tie counts 0 for accuracy.
        let result = lossResult(.sigmoid, [workedPair, unmovedPair])
        // python3 -c "from math import *; print((log1p(exp(-0.2))+log(2))/2)"
        assertLossClose(result.loss, 0.6456430249707685, tolerance: 1e-15, "mean")
        assertLossClose(result.metrics["rewards/accuracies"], 0.5, tolerance: 0, "accuracies")
        assertLossClose(result.metrics["logps/chosen"], -8.5, tolerance: 0, "logps/chosen")
        // The 1/batch of the mean is in the gradient: d/dπc of the tie is −β·σ(0)/2.
        assertLossClose(result.dPolicyChosen[1], -0.025, tolerance: 1e-15, "d/dπc of the tie")
        assertLossClose(result.dPolicyChosen[0], -0.04501660026875222 / 2, tolerance: 1e-15, "d/dπc")
    }

    func testReferenceFreeLossesIgnoreTheReference() {
        for type in LossType.allCases where !type.needsReference {
            var moved = workedPair
            moved.referenceChosen = 50
            moved.referenceRejected = -50
            let a = lossResult(type, [workedPair]), b = lossResult(type, [moved])
            XCTAssertEqual(a.loss, b.loss, type.rawValue)
            XCTAssertEqual(a.dPolicyChosen, b.dPolicyChosen, type.rawValue)
        }
    }
}
