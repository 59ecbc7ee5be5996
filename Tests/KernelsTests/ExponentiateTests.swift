import Determinism
@testable import Kernels
import XCTest

/// `exponentiateShifted`, which attention's and the log-softmax's rows go through.
final class ExponentiateTests: XCTestCase {
    /// Every entry, in the body (eight at a time) or the tail (the last count % 8, which share one `exp8`), is
    /// `expScalar` of it, bit for bit; the sum adds the body's lanes, then the tail's entries in order.
    func testEveryEntryRoundsAsItsScalarExponential() {
        var generator = SeededGenerator(seed: 31)
        for count in 1...19 {
            let values = (0..<count).map { _ in 4 * generator.nextNormal() }
            let shift: Float = 0.5
            var row = values
            let total = row.withUnsafeMutableBufferPointer { exponentiateShifted($0.baseAddress!, count, shift: shift) }
            for j in 0..<count { XCTAssertEqual(row[j], expScalar(values[j] - shift), "count \(count), entry \(j)") }
            let body = count / 8 * 8
            var lanes = SIMD8<Float>()
            for j in 0..<body { lanes[j % 8] += row[j] }
            var expected = lanes.sum()
            for j in body..<count { expected += row[j] }
            XCTAssertEqual(total, expected, "count \(count)")
        }
    }
}
