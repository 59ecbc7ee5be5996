import CKernels
import Determinism
import Kernels
import XCTest

/// The C halves of a decode step's attention round exactly as the formulas they replace: each score is the
/// Swift `dotProduct` chain times the scale, each output a chain of fused multiply-adds over the positions.
final class DecodeAttentionTests: XCTestCase {
    /// Head sizes with and without a multiple of eight (the eight-key path, and the one-key path for every key),
    /// lengths on both sides of a block of eight keys.
    func testCachedScoresAreTheDotProductChainTimesTheScaleBitForBit() {
        var generator = SeededGenerator(seed: 21)
        for headDim in [64, 16, 8, 10, 6] {
            for length in [1, 7, 8, 9, 23, 70] {
                let query = (0..<headDim).map { _ in generator.nextNormal() }
                let keys = (0..<length * headDim).map { _ in generator.nextNormal() }
                let scale = 1 / Float(headDim).squareRoot()
                var scores = [Float](repeating: .nan, count: length)
                dpo_cached_scores(&scores, query, keys, length, headDim, scale)
                for j in 0..<length {
                    let key = Array(keys[j * headDim..<(j + 1) * headDim])
                    XCTAssertEqual(scores[j], scale * laneChainDot(query, key), "headDim \(headDim), length \(length), key \(j)")
                    XCTAssertEqual(scores[j], scale * dotProduct(query, key, headDim), "headDim \(headDim), key \(j)")
                }
            }
        }
    }

    /// Columns in blocks of 64, of 8, and past the last multiple of eight; each against its chain over positions.
    func testWeightedValuesAreOneChainPerColumnBitForBit() {
        var generator = SeededGenerator(seed: 22)
        for headDim in [64, 128, 72, 13, 6] {
            for length in [1, 9, 70] {
                let weights = (0..<length).map { _ in abs(generator.nextNormal()) }
                let values = (0..<length * headDim).map { _ in generator.nextNormal() }
                var out = [Float](repeating: .nan, count: headDim)
                dpo_weighted_values(&out, weights, values, length, headDim)
                for column in 0..<headDim {
                    var expected: Float = 0
                    for j in 0..<length {
                        let value = values[j * headDim + column]
                        if column < headDim / 8 * 8 {
                            expected = expected.addingProduct(value, weights[j])
                        } else {
                            expected += weights[j] * value
                        }
                    }
                    XCTAssertEqual(out[column], expected, "headDim \(headDim), length \(length), column \(column)")
                }
            }
        }
    }

    /// Σ a·b as eight lanes of fused multiply-adds over the elements in order, the lanes added one after another,
    /// then the elements past the last multiple of eight multiplied and added.
    private func laneChainDot(_ a: [Float], _ b: [Float]) -> Float {
        var lanes = [Float](repeating: 0, count: 8)
        let body = a.count / 8 * 8
        for i in 0..<body { lanes[i % 8] = lanes[i % 8].addingProduct(a[i], b[i]) }
        var total: Float = -0.0
        for lane in lanes { total += lane }
        for i in body..<a.count { total += a[i] * b[i] }
        return total
    }
}
