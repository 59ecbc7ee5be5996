import Determinism
import Foundation
import TestSupport
import XCTest

@testable import Training

/// Asserts |actual − expected| ≤ tolerance, printing both and the difference.
func assertLossClose(
    _ actual: Double?, _ expected: Double, tolerance: Double, _ what: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    guard let actual else {
        XCTFail("\(what()): missing (expected \(expected))", file: file, line: line)
        return
    }
    let difference = abs(actual - expected)
    XCTAssert(
        difference <= tolerance,
        "\(what()): got \(actual), expected \(expected) (difference \(difference) > \(tolerance))",
        file: file, line: line)
}

/// The pair LOSSES.md works through: πc = −10, πr = −12, rc = rr = −11 (Δ = 2), with 4 and 5 tokens; for
/// `unlikelihood`, its rejected tokens' Σ log(1 − p) is −0.5.
let workedPair = PairLogProbs(
    policyChosen: -10, policyRejected: -12, referenceChosen: -11, referenceRejected: -11,
    chosenTokens: 4, rejectedTokens: 5, rejectedUnlikelihood: -0.5)

/// A pair whose policy equals its reference (Δ = 0, Lc = Lr = 0).
let unmovedPair = PairLogProbs(
    policyChosen: -7, policyRejected: -9, referenceChosen: -7, referenceRejected: -9,
    chosenTokens: 3, rejectedTokens: 6)

/// `preferenceLoss` with a single loss type and otherwise default settings changed by `configure`.
func lossResult(
    _ type: LossType, _ pairs: [PairLogProbs], configure: (inout LossSettings) -> Void = { _ in }
) -> LossResult {
    var settings = LossSettings(lossTypes: [type])
    configure(&settings)
    return preferenceLoss(pairs, settings: settings)
}
