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

/// SplitMix64 (Steele et al. 2014): a small seeded generator so randomized loss tests repeat exactly.
struct LossTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed for this run: `DPO_TEST_SEED` from the environment to replay a failure, else `fallback`.
    static func seed(_ test: String, fallback: UInt64) -> UInt64 { testSeed(test, default: fallback) }
}

/// The pair LOSSES.md works through: πc = −10, πr = −12, rc = rr = −11 (Δ = 2), with 4 and 5 tokens.
let workedPair = PairLogProbs(
    policyChosen: -10, policyRejected: -12, referenceChosen: -11, referenceRejected: -11,
    chosenTokens: 4, rejectedTokens: 5)

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
