import Determinism
import Kernels
import TestSupport
import Training
import XCTest

/// The global norm and clipping as `torch.nn.utils.clip_grad_norm_` computes them, against a Double reference.
final class GradientClippingTests: XCTestCase {
    private func gradients(count: Int, seed: UInt64) -> FloatBuffer {
        var generator = SeededGenerator(seed: seed)
        let buffer = FloatBuffer(count: count)
        for i in 0..<count { buffer[i] = generator.nextNormal() }
        return buffer
    }

    private func squares(_ buffer: FloatBuffer) -> Double {
        (0..<buffer.capacity).reduce(0.0) { $0 + Double(buffer[$1]) * Double(buffer[$1]) }
    }

    func testNormOverBlocksWithTailsEqualsTheDoubleSum() {
        let seed = testSeed(#function)
        let first = gradients(count: 4096 * 3 + 13, seed: seed), second = gradients(count: 7, seed: seed + 1)
        let expectedFirst = squares(first).squareRoot(), expectedBoth = (squares(first) + squares(second)).squareRoot()
        XCTAssertEqual(gradientNorm(first, count: first.capacity), expectedFirst, accuracy: 1e-6 * expectedFirst)
        let norm = clipGradients([(first, first.capacity), (second, second.capacity)], maximum: 0)
        XCTAssertEqual(norm, expectedBoth, accuracy: 1e-6 * expectedBoth)
    }

    func testClippingScalesEveryBlockToTheMaximumNorm() {
        let seed = testSeed(#function)
        let first = gradients(count: 1000, seed: seed), second = gradients(count: 21, seed: seed + 1)
        let before = (0..<21).map { second[$0] }
        let norm = clipGradients([(first, first.capacity), (second, second.capacity)], maximum: 1)
        XCTAssertGreaterThan(norm, 1)
        XCTAssertEqual(clipGradients([(first, first.capacity), (second, second.capacity)], maximum: 0), 1, accuracy: 1e-5)
        let factor = Float(1 / (norm + 1e-6))
        for i in 0..<21 { XCTAssertEqual(second[i], before[i] * factor) }
    }
}
