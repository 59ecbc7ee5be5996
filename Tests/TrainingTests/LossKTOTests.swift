import Foundation
import XCTest

@testable import Training

/// KTO's worked numbers (computed independently with Python's `math` module; `sg` is σ:
/// `from math import *; sg=lambda x:1/(1+exp(-x))`) and its metrics.
final class LossKTOTests: XCTestCase {
    /// Desirable L = +1, undesirable L = −1.
    let examples = [
        UnpairedLogProbs(policy: -10, reference: -11, tokens: 4, desirable: true),
        UnpairedLogProbs(policy: -12, reference: -11, tokens: 5, desirable: false),
    ]
    /// Log-ratios 0.5 and 0.3: z = 0.4.
    let mismatched = [
        UnpairedLogProbs(policy: -20, reference: -20.5, tokens: 6, desirable: true),
        UnpairedLogProbs(policy: -15, reference: -15.3, tokens: 7, desirable: false),
    ]
    let settings = LossSettings(lossTypes: [.kto], beta: 0.1, undesirableWeight: 1.5)

    func testWorkedNumbers() {
        // python3 -c "...; z=0.4; print((1-sg(0.1*(1-z)) + 1.5*(1-sg(0.1*(z+1))))/2)"
        // python3 -c "...; print(-0.1*sg(0.06)*sg(-0.06)/2, 1.5*0.1*sg(0.14)*sg(-0.14)/2)"
        let result = ktoLoss(examples, mismatched: mismatched, settings: settings)
        assertLossClose(result.loss, 0.5912950403216342, tolerance: 1e-15, "loss")
        assertLossClose(result.dPolicy[0], -0.012488756746559112, tolerance: 1e-15, "d/dπ desirable")
        assertLossClose(result.dPolicy[1], 0.018658424293775254, tolerance: 1e-15, "d/dπ undesirable")
        let expected: [String: Double] = [
            "loss": 0.5912950403216342, "kl": 0.4, "rewards/chosen": 0.1, "rewards/rejected": -0.1,
            "rewards/margins": 0.2, "logps/chosen": -10, "logps/rejected": -12, "count/chosen": 1,
            "count/rejected": 1,
        ]
        XCTAssertEqual(Set(result.metrics.keys), Set(expected.keys))
        for (key, value) in expected {
            assertLossClose(result.metrics[key], value, tolerance: 1e-14, key)
        }
    }

    func testReferencePointIsClampedAtZero() {
        // Mismatched log-ratios averaging −0.25 give z = 0, as with no mismatched examples at all.
        // python3 -c "...; print(((1-sg(0.1)) + 1.5*(1-sg(0.1)))/2)"
        let below = [UnpairedLogProbs(policy: -20, reference: -19.75, tokens: 6, desirable: true)]
        for mismatched in [below, []] {
            let result = ktoLoss(examples, mismatched: mismatched, settings: settings)
            assertLossClose(result.loss, 0.593776015651325, tolerance: 1e-15, "loss")
            assertLossClose(result.metrics["kl"], 0, tolerance: 0, "kl")
        }
    }

    func testPolicyEqualToReferenceGivesHalfTheMeanWeight() {
        let unmoved = examples.map {
            UnpairedLogProbs(policy: $0.reference, reference: $0.reference, tokens: 1, desirable: $0.desirable)
        }
        let result = ktoLoss(unmoved, mismatched: [], settings: settings)
        assertLossClose(result.loss, 0.5 * (1 + 1.5) / 2, tolerance: 1e-15, "1 − σ(0) = ½, weighted, mean")
    }

    func testOneSidedBatchOmitsTheOtherSidesMetrics() {
        let result = ktoLoss([examples[0]], mismatched: mismatched, settings: settings)
        XCTAssertNotNil(result.metrics["rewards/chosen"])
        XCTAssertNil(result.metrics["rewards/rejected"])
        XCTAssertNil(result.metrics["rewards/margins"])
        assertLossClose(result.metrics["count/rejected"], 0, tolerance: 0, "count/rejected")
    }
}
