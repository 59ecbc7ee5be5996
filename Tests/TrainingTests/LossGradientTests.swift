import Determinism
import TestSupport
import XCTest

@testable import Training

/// Every loss's gradient against central finite differences, on seeded random batches (the seed is printed; set
/// `LOSS_TEST_SEED` to replay a failure).
final class LossGradientTests: XCTestCase {
    /// Step for the central difference: truncation error ~h²·f‴/6 and rounding ~1e-16·|f|/h both stay below 1e-8
    /// for these losses at β ≤ 1.
    let step = 1e-5

    /// Every paired loss alone, with label smoothing where it applies, plus combinations and RPO.
    var configurations: [LossSettings] {
        var all = LossType.allCases.filter(\.isPairwise).map { LossSettings(lossTypes: [$0]) }
        all += [
            LossSettings(lossTypes: [.sigmoid], labelSmoothing: 0.15),
            LossSettings(lossTypes: [.robust], labelSmoothing: 0.2),
            LossSettings(lossTypes: [.exoPair], labelSmoothing: 0.05),
            LossSettings(lossTypes: [.simpo], labelSmoothing: 0.1, simpoGamma: 1.2),
            LossSettings(lossTypes: [.orpo], orpoLambda: 0.7),
            LossSettings(lossTypes: [.discopop], discopopTau: 0.5),
            LossSettings(lossTypes: [.sigmoid], rpoAlpha: 0.7),
            LossSettings(lossTypes: [.simpo], rpoAlpha: 1),
            LossSettings(lossTypes: [.sigmoid, .sft], lossWeights: [1, 0.3]),
            LossSettings(lossTypes: [.sigmoid, .unlikelihood], lossWeights: [1, 0.5]),
            LossSettings(lossTypes: [.ipo, .orpo, .apoDown], lossWeights: [0.5, 1, 2], rpoAlpha: 0.2),
        ]
        all[all.firstIndex { $0.lossTypes == [.exoPair] }!].labelSmoothing = 1e-3
        var sequence = LossSettings(lossTypes: [.orpo, .sigmoid], rpoAlpha: 0.3)
        sequence.orpoNLL = .sequence
        all.append(sequence)
        return all
    }

    func testEveryPairedLossGradientMatchesCentralDifferences() throws {
        let seed = testSeed(#function, default: 0x5EED_D907)
        var random = SplitMix64(seed: seed)
        for var settings in configurations {
            try settings.validate()
            var worst = 0.0
            for _ in 0..<12 {
                settings.beta = Double.random(in: 0.05...1, using: &random)
                let pairs = (0..<Int.random(in: 1...6, using: &random)).map { _ in randomPair(&random) }
                let result = preferenceLoss(pairs, settings: settings)
                for i in pairs.indices {
                    let sides = [(\PairLogProbs.policyChosen, "πc", result.dPolicyChosen[i]),
                                 (\PairLogProbs.policyRejected, "πr", result.dPolicyRejected[i]),
                                 (\PairLogProbs.rejectedUnlikelihood!, "Ur", result.dRejectedUnlikelihood.isEmpty ? 0 : result.dRejectedUnlikelihood[i]),
                                 (\PairLogProbs.promptLogProb, "πp", result.dPrompt.isEmpty ? 0 : result.dPrompt[i])]
                    for (side, label, analytic) in sides {
                        var up = pairs, down = pairs
                        up[i][keyPath: side] += step
                        down[i][keyPath: side] -= step
                        let numeric =
                            (preferenceLoss(up, settings: settings).loss
                                - preferenceLoss(down, settings: settings).loss) / (2 * step)
                        let error = abs(numeric - analytic)
                        worst = max(worst, error)
                        XCTAssert(
                            error <= 1e-6 * (1 + abs(analytic)),
                            "\(name(settings)) β=\(settings.beta) pair \(i) \(label): analytic \(analytic), "
                                + "numeric \(numeric) (seed \(seed))")
                    }
                }
            }
            print("  \(name(settings)): max |analytic − numeric| = \(worst)")
        }
    }

    func testKTOGradientMatchesCentralDifferences() {
        let seed = testSeed(#function, default: 0x0C70_5EED)
        var random = SplitMix64(seed: seed)
        var worst = 0.0
        for _ in 0..<30 {
            let settings = LossSettings(
                lossTypes: [.kto], beta: Double.random(in: 0.05...1, using: &random),
                desirableWeight: Double.random(in: 0.5...2, using: &random),
                undesirableWeight: Double.random(in: 0.5...2, using: &random))
            let examples = (0..<Int.random(in: 1...6, using: &random)).map { _ in randomExample(&random) }
            let mismatched = (0..<Int.random(in: 0...4, using: &random)).map { _ in randomExample(&random) }
            let result = ktoLoss(examples, mismatched: mismatched, settings: settings)
            for i in examples.indices {
                var up = examples, down = examples
                up[i].policy += step
                down[i].policy -= step
                let numeric =
                    (ktoLoss(up, mismatched: mismatched, settings: settings).loss
                        - ktoLoss(down, mismatched: mismatched, settings: settings).loss) / (2 * step)
                let error = abs(numeric - result.dPolicy[i])
                worst = max(worst, error)
                XCTAssert(
                    error <= 1e-6 * (1 + abs(result.dPolicy[i])),
                    "kto example \(i): analytic \(result.dPolicy[i]), numeric \(numeric) (seed \(seed))")
            }
        }
        print("  kto: max |analytic − numeric| = \(worst)")
    }

    private func name(_ settings: LossSettings) -> String {
        var text = settings.lossTypes.map(\.rawValue).joined(separator: "+")
        if let weights = settings.lossWeights { text += " w=\(weights)" }
        if settings.labelSmoothing > 0 { text += " ε=\(settings.labelSmoothing)" }
        if let alpha = settings.rpoAlpha { text += " rpo_alpha=\(alpha)" }
        if let lambda = settings.orpoLambda { text += " orpo_lambda=\(lambda)" }
        if settings.orpoNLL == .sequence { text += " orpo_nll=sequence" }
        if settings.discopopTau != LossSettings().discopopTau { text += " discopop_tau=\(settings.discopopTau)" }
        return text
    }

    /// Completions of 1–20 tokens with per-token log-probs in [−3, −0.05] (so ORPO's odds are finite), and
    /// reference log-probs within ±4 of the policy's: margins |βΔ| up to a few units, around every loss's bend.
    private func randomPair(_ random: inout SplitMix64) -> PairLogProbs {
        let chosenTokens = Int.random(in: 1...20, using: &random)
        let rejectedTokens = Int.random(in: 1...20, using: &random)
        let policyChosen = -Double.random(in: 0.05...3, using: &random) * Double(chosenTokens)
        let policyRejected = -Double.random(in: 0.05...3, using: &random) * Double(rejectedTokens)
        return PairLogProbs(
            policyChosen: policyChosen, policyRejected: policyRejected,
            referenceChosen: policyChosen + Double.random(in: -4...4, using: &random),
            referenceRejected: policyRejected + Double.random(in: -4...4, using: &random),
            chosenTokens: chosenTokens, rejectedTokens: rejectedTokens,
            rejectedUnlikelihood: -Double.random(in: 0.01...2, using: &random) * Double(rejectedTokens),
            promptLogProb: -Double.random(in: 0.05...3, using: &random) * 6, promptTokens: 6)
    }

    private func randomExample(_ random: inout SplitMix64) -> UnpairedLogProbs {
        let tokens = Int.random(in: 1...20, using: &random)
        let policy = -Double.random(in: 0.05...3, using: &random) * Double(tokens)
        return UnpairedLogProbs(
            policy: policy, reference: policy + Double.random(in: -8...8, using: &random), tokens: tokens,
            desirable: Bool.random(using: &random))
    }
}
