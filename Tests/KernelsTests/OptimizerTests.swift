import Determinism
import Foundation
import Kernels
import XCTest

/// Optimizer steps against values worked by hand from PyTorch's update rules.
final class OptimizerTests: XCTestCase {
    func testAdamWMatchesTorchFormulaOverTwoSteps() {
        var params: [Float] = [0.5, -1.0]
        var m: [Float] = [0, 0], v: [Float] = [0, 0]
        let lr: Float = 0.1, wd: Float = 0.01, b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
        // Step 1 with g = (0.2, -0.4): m̂ = g, v̂ = g², so the update is lr·sign(g) after decay p·(1 − lr·wd).
        adamWUpdate(&params, [0.2, -0.4], &m, &v, count: 2, learningRate: lr, beta1: b1, beta2: b2, eps: eps,
                    weightDecay: wd, step: 1)
        XCTAssertEqual(params[0], 0.5 * 0.999 - 0.1, accuracy: 1e-6)
        XCTAssertEqual(params[1], -1.0 * 0.999 + 0.1, accuracy: 1e-6)
        // Step 2 with g = (0.1, 0.0): m = (0.19, −0.36)·(1/10) ... computed directly from the definitions.
        adamWUpdate(&params, [0.1, 0.0], &m, &v, count: 2, learningRate: lr, beta1: b1, beta2: b2, eps: eps,
                    weightDecay: wd, step: 2)
        let m0 = 0.9 * 0.02 + 0.1 * 0.1, v0 = 0.999 * 0.00004 + 0.001 * 0.01
        let expected0 = (0.5 * 0.999 - 0.1) * 0.999 - 0.1 * (m0 / 0.19) / ((v0 / (1 - 0.999 * 0.999)).squareRoot() + 1e-8)
        XCTAssertEqual(Double(params[0]), expected0, accuracy: 1e-6)
        let m1 = 0.9 * -0.04, v1 = 0.999 * 0.00016
        let expected1 = (-1.0 * 0.999 + 0.1) * 0.999 - 0.1 * (m1 / 0.19) / ((v1 / (1 - 0.999 * 0.999)).squareRoot() + 1e-8)
        XCTAssertEqual(Double(params[1]), expected1, accuracy: 1e-6)
    }

    /// The eight-lane loop must round every element as the scalar formula does: a block long enough to split over
    /// the cores, with a tail of five, against the formula applied element by element here.
    func testAdamWVectorLanesEqualTheScalarFormulaBitForBit() {
        let count = 3 * (1 << 14) + 5
        var generator = SeededGenerator(seed: 11)
        var params = (0..<count).map { _ in generator.nextNormal() }
        let grads = (0..<count).map { _ in generator.nextNormal() * 0.1 }
        var m = (0..<count).map { _ in generator.nextNormal() * 0.01 }
        var v = (0..<count).map { _ in abs(generator.nextNormal()) * 0.001 }
        let lr: Float = 3e-4, b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8, wd: Float = 0.01, step = 7
        var expectedParams = params, expectedM = m, expectedV = v
        let correction1 = 1 - Float(pow(Double(b1), Double(step))), correction2 = 1 - Float(pow(Double(b2), Double(step)))
        for i in 0..<count {
            let g = grads[i]
            expectedM[i] = b1 * expectedM[i] + (1 - b1) * g
            expectedV[i] = b2 * expectedV[i] + (1 - b2) * g * g
            let denominator = expectedV[i].squareRoot() / correction2.squareRoot() + eps
            expectedParams[i] = expectedParams[i] * (1 - lr * wd) - lr / correction1 * expectedM[i] / denominator
        }
        adamWUpdate(&params, grads, &m, &v, count: count, learningRate: lr, beta1: b1, beta2: b2, eps: eps,
                    weightDecay: wd, step: step)
        XCTAssertEqual(m, expectedM)
        XCTAssertEqual(v, expectedV)
        XCTAssertEqual(params, expectedParams)
    }

    func testScaleMultipliesEveryElementIncludingTheTail() {
        var values: [Float] = (0..<19).map { Float($0) - 9 }
        scale(&values, 19, by: 0.5)
        XCTAssertEqual(values, (0..<19).map { (Float($0) - 9) * 0.5 })
    }

    func testRMSpropVectorLanesEqualTheScalarFormulaBitForBit() {
        let count = 3 * (1 << 14) + 5
        var generator = SeededGenerator(seed: 12)
        var params = (0..<count).map { _ in generator.nextNormal() }
        let grads = (0..<count).map { _ in generator.nextNormal() * 0.1 }
        var v = (0..<count).map { _ in abs(generator.nextNormal()) * 0.001 }
        let lr: Float = 1e-3, alpha: Float = 0.99, eps: Float = 1e-8
        var expectedParams = params, expectedV = v
        for i in 0..<count {
            let g = grads[i]
            expectedV[i] = alpha * expectedV[i] + (1 - alpha) * g * g
            expectedParams[i] -= lr * g / (expectedV[i].squareRoot() + eps)
        }
        rmsPropUpdate(&params, grads, &v, count: count, learningRate: lr, alpha: alpha, eps: eps)
        XCTAssertEqual(v, expectedV)
        XCTAssertEqual(params, expectedParams)
    }

    func testRMSpropMatchesTorchFormula() {
        var params: [Float] = [1.0]
        var v: [Float] = [0]
        rmsPropUpdate(&params, [0.5], &v, count: 1, learningRate: 0.01, alpha: 0.99, eps: 1e-8)
        // v = 0.01·0.25 = 0.0025, √v = 0.05, update = 0.01·0.5/0.05 = 0.1.
        XCTAssertEqual(v[0], 0.0025, accuracy: 1e-8)
        XCTAssertEqual(params[0], 0.9, accuracy: 1e-6)
    }
}
