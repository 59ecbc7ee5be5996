import Determinism
import Foundation
import Kernels
import TestSupport
import XCTest

func randomValues(_ count: Int, _ generator: inout SeededGenerator, scale: Float = 1) -> [Float] {
    (0..<count).map { _ in scale * generator.nextNormal() }
}

func randomInt(_ range: ClosedRange<Int>, _ generator: inout SeededGenerator) -> Int {
    range.lowerBound + Int(generator.next() % UInt64(range.count))
}

/// Compares an analytic gradient with (extrapolated) central finite differences of `loss` on `samples` random coordinates of
/// `values` (all of them when there are fewer). The loss is accumulated in Double; the comparison passes when
/// |analytic − numeric| ≤ tolerance · max(|analytic|, |numeric|, floor).
func checkGradient(
    _ name: String, values: inout [Float], analytic: [Float], samples: Int = 60, step: Float = 1e-2,
    tolerance: Double = 2e-2, floor: Double = 5e-2, generator: inout SeededGenerator,
    file: StaticString = #filePath, line: UInt = #line, loss: ([Float]) -> Double
) {
    precondition(values.count == analytic.count)
    let indices = values.count <= samples
        ? Array(0..<values.count) : (0..<samples).map { _ in randomInt(0...(values.count - 1), &generator) }
    var worst = 0.0
    for i in indices {
        let original = values[i]
        func centralDifference(_ h: Float) -> Double {
            values[i] = original + h
            let plus = loss(values)
            values[i] = original - h
            let minus = loss(values)
            values[i] = original
            return (plus - minus) / Double(2 * h)
        }
        // Richardson extrapolation over steps h and 2h cancels the O(h²) error of a central difference.
        let numeric = (4 * centralDifference(step) - centralDifference(2 * step)) / 3
        let difference = abs(Double(analytic[i]) - numeric)
        let relative = difference / max(abs(Double(analytic[i])), abs(numeric), floor)
        worst = max(worst, relative)
        XCTAssertLessThanOrEqual(relative, tolerance,
            "\(name)[\(i)]: analytic \(analytic[i]) vs numeric \(numeric)", file: file, line: line)
    }
    print("\(name): worst relative error \(worst) over \(indices.count) coordinates (tolerance \(tolerance))")
}

/// Σ weights ⊙ outputs in Double: a scalar loss whose gradient with respect to the outputs is `weights`.
func weightedSum(_ outputs: [Float], _ weights: [Float]) -> Double {
    zip(outputs, weights).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}
