import Determinism
import Kernels
import TestSupport
@testable import Training
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
        let norm = gradientNorm([(first, first.capacity), (second, second.capacity)])
        XCTAssertEqual(norm, expectedBoth, accuracy: 1e-6 * expectedBoth)
    }

    func testClipScaleIsTorchsFactorAboveTheMaximumAndOneElse() {
        XCTAssertEqual(clipScale(norm: 4, maximum: 1), Float(1 / (4 + 1e-6)))
        XCTAssertEqual(clipScale(norm: 0.5, maximum: 1), 1)
        XCTAssertEqual(clipScale(norm: 4, maximum: 0), 1, "a maximum of 0 turns clipping off")
    }

    /// The optimizer applies the clip scale as it reads each gradient: the same update, bit for bit, as scaling the
    /// gradients first and updating with a scale of 1 (what torch's clip_grad_norm_ then step does), for both kinds.
    func testUpdateWithAGradientScaleEqualsUpdatingScaledGradients() {
        let seed = testSeed(#function)
        let count = 3 * (1 << 14) + 11
        for kind in OptimizerSettings.Kind.allCases {
            var settings = OptimizerSettings()
            settings.kind = kind
            settings.weightDecay = 0.01
            let grads = gradients(count: count, seed: seed)
            let norm = gradientNorm(grads, count: count)
            let factor = clipScale(norm: norm, maximum: 1)
            XCTAssertLessThan(factor, 1)
            let fused = block(count: count, seed: seed + 1, gradients: grads)
            let scaled = block(count: count, seed: seed + 1, gradients: grads)
            for i in 0..<count { scaled.gradients[i] = grads[i] * factor }
            let fusedOptimizer = Optimizer(settings: settings, block: fused)
            let scaledOptimizer = Optimizer(settings: settings, block: scaled)
            for _ in 0..<2 {
                fusedOptimizer.update(learningRate: 1e-3, gradientScale: factor)
                scaledOptimizer.update(learningRate: 1e-3)
            }
            for i in 0..<count where fused.parameters[i] != scaled.parameters[i] {
                return XCTFail("\(kind): weight \(i) is \(fused.parameters[i]) against \(scaled.parameters[i])")
            }
            XCTAssertNotEqual(fused.parameters[0], block(count: count, seed: seed + 1, gradients: grads).parameters[0])
        }
    }

    private func block(count: Int, seed: UInt64, gradients source: FloatBuffer) -> TrainableBlock {
        let parameters = gradients(count: count, seed: seed)
        let copy = FloatBuffer(count: count)
        for i in 0..<count { copy[i] = source[i] }
        return TrainableBlock(parameters: parameters, gradients: copy, count: count,
                              tensors: [.init(offset: 0, count: count, decays: true)])
    }
}
