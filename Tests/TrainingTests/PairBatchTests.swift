import Model
import Preference
import XCTest
@testable import Training

/// Packing pairs with prefix sharing, and mapping log-probs to per-completion sums and gradients back.
final class PairBatchTests: XCTestCase {
    private func pair(_ prompt: [Int32], _ chosen: [Int32], _ rejected: [Int32]) -> TokenizedPair {
        TokenizedPair(prompt: prompt, chosen: chosen, rejected: rejected, source: SourceLocation(file: "test", line: 1))
    }

    func testSharesEachPromptAndSumsEachCompletion() {
        let batch = PairBatch([pair([1, 2, 3], [4, 5], [6]), pair([7], [8, 9, 10], [11, 12])])
        // Rows: prompt (3) + chosen inputs (1) + rejected inputs (0), then 1 + 2 + 1.
        XCTAssertEqual(batch.packed.rows, 8)
        XCTAssertEqual(batch.completionTokens, 2 + 1 + 3 + 2)
        XCTAssertEqual(batch.packed.targetTokens, [4, 5, 6, 8, 9, 10, 11, 12])
        let logp: [Float] = [-1, -2, -3, -4, -5, -6, -7, -8]
        let sums = batch.sums(logp)
        XCTAssertEqual(sums, [CompletionSums(chosen: -3, rejected: -3, chosenTokens: 2, rejectedTokens: 1),
                              CompletionSums(chosen: -15, rejected: -15, chosenTokens: 3, rejectedTokens: 2)])
        let gradients = batch.targetGradients(dChosen: [1, 2], dRejected: [-1, -2], scale: 0.5)
        XCTAssertEqual(gradients, [0.5, 0.5, -0.5, 1, 1, 1, -1, -1])
    }

    /// With prompt targets, each prompt's tokens after its first are predicted once, before its completions'
    /// targets; a pair without a prompt has none.
    func testPromptTargetsPredictThePromptOnce() {
        let batch = PairBatch([pair([1, 2, 3], [4, 5], [6]), pair([], [8, 9], [10, 11])], promptTargets: true)
        XCTAssertEqual(batch.packed.targetTokens, [2, 3, 4, 5, 6, 9, 11])
        let logp: [Float] = [-1, -2, -3, -4, -5, -6, -7]
        let sums = batch.sums(logp)
        XCTAssertEqual(sums.map(\.prompt), [-3, 0])
        XCTAssertEqual(sums.map(\.promptTokens), [2, 0])
        XCTAssertEqual(sums[0].chosen, -7)
        XCTAssertEqual(sums[0].rejected, -5)
        XCTAssertEqual(batch.targetGradients(dChosen: [1, 2], dRejected: [3, 4], dPrompt: [0.5, 9]), [0.5, 0.5, 1, 1, 3, 2, 4])
        XCTAssertNil(PairBatch([pair([1, 2, 3], [4, 5], [6])]).sums([-1, -2, -3]).first?.prompt)
    }

    func testEmptyPromptKeepsTheFirstTokenAsContext() {
        let batch = PairBatch([pair([], [4, 5, 6], [7, 8])])
        XCTAssertEqual(batch.packed.targetTokens, [5, 6, 8])
        XCTAssertEqual(batch.sums([-1, -1, -1]), [CompletionSums(chosen: -2, rejected: -1, chosenTokens: 2, rejectedTokens: 1)])
    }

    /// Token-level Unlikelihood end to end: the loss as a function of every target's log-prob, through `sums`,
    /// `preferenceLoss` and `targetGradients`, against central differences per token, with rejected tokens from
    /// unlikely to nearly certain (l = −1e-3, slope −999.5) and mixed with DPO.
    func testUnlikelihoodTokenGradientsMatchCentralDifferences() {
        let batch = PairBatch([pair([1, 2], [3, 4, 5], [6, 7]), pair([8], [9], [10, 11, 12])])
        let logp: [Float] = [-1.5, -0.7, -2.2, -0.4, -3.1, -0.9, -0.001, -4.0, -0.05]
        for settings in [LossSettings(lossTypes: [.unlikelihood]), LossSettings(lossTypes: [.sigmoid, .unlikelihood])] {
            func loss(_ logp: [Float]) -> Double {
                let pairs = batch.sums(logp, unlikelihood: true).map {
                    PairLogProbs(policyChosen: $0.chosen, policyRejected: $0.rejected, referenceChosen: -5, referenceRejected: -5,
                                 chosenTokens: $0.chosenTokens, rejectedTokens: $0.rejectedTokens, rejectedUnlikelihood: $0.rejectedUnlikelihood)
                }
                return preferenceLoss(pairs, settings: settings).loss
            }
            let pairs = batch.sums(logp, unlikelihood: true).map {
                PairLogProbs(policyChosen: $0.chosen, policyRejected: $0.rejected, referenceChosen: -5, referenceRejected: -5,
                             chosenTokens: $0.chosenTokens, rejectedTokens: $0.rejectedTokens, rejectedUnlikelihood: $0.rejectedUnlikelihood)
            }
            let result = preferenceLoss(pairs, settings: settings)
            let analytic = batch.targetGradients(dChosen: result.dPolicyChosen, dRejected: result.dPolicyRejected,
                                                 unlikelihood: (result.dRejectedUnlikelihood, logp))
            for t in logp.indices {
                let h: Float = t == 6 ? 1e-5 : 1e-3
                var up = logp, down = logp
                up[t] += h
                down[t] -= h
                let numeric = (loss(up) - loss(down)) / Double(up[t] - down[t])
                XCTAssertEqual(Double(analytic[t]), numeric, accuracy: 2e-3 * (1 + abs(numeric)),
                               "\(settings.lossTypes) token \(t) (l = \(logp[t]))")
            }
        }
        XCTAssertNil(batch.sums(logp)[0].rejectedUnlikelihood, "computed only when asked")
    }

    func testDataOrderIsAPermutationPerEpochAndReproducible() {
        var order = DataOrder(count: 10, seed: 3)
        let first = order.batch(start: 0, size: 10)
        XCTAssertEqual(Set(first), Set(0..<10))
        XCTAssertNotEqual(first, Array(0..<10))
        let second = order.batch(start: 10, size: 10)
        XCTAssertEqual(Set(second), Set(0..<10))
        XCTAssertNotEqual(first, second)
        var again = DataOrder(count: 10, seed: 3)
        XCTAssertEqual(again.batch(start: 7, size: 6), Array((first + second)[7..<13]))
    }
}
