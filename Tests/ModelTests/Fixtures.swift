import Foundation
import Kernels
import TestSupport

/// The repository's `Tests/Fixtures` folder (tests never read outside the repository).
let fixturesDirectory = RepositoryPaths.fixtures

/// d loss / d values[i] by central differences with Richardson extrapolation over steps h and 2h, which cancels
/// the O(h²) term so that h can be large enough for fp32 rounding in the forward pass (~1e-6 of the loss) to stay
/// small against it. Where the loss curves too sharply for `step` (an estimate at h/2 disagrees by more than 1%),
/// the step is halved, at most three times. `values[i]` is restored.
func numericDerivative(_ values: FloatBuffer, _ i: Int, step: Float, loss: () throws -> Double) rethrows -> Double {
    let original = values[i]
    func central(_ h: Float) throws -> Double {
        values[i] = original + h
        let plus = try loss()
        values[i] = original - h
        let minus = try loss()
        values[i] = original
        return (plus - minus) / Double(2 * h)
    }
    func extrapolated(_ h: Float) throws -> Double { (4 * (try central(h)) - (try central(2 * h))) / 3 }
    var h = step
    var estimate = try extrapolated(h)
    while h > step / 8 {
        let finer = try extrapolated(h / 2)
        defer { estimate = finer }
        h /= 2
        if abs(finer - estimate) <= 1e-2 * max(abs(finer), 5e-2) { break }
    }
    return estimate
}

/// |analytic − numeric| relative to the larger of the two, with a floor for gradients near zero.
func relativeGradientError(_ analytic: Float, _ numeric: Double, floor: Double = 5e-2) -> Double {
    abs(Double(analytic) - numeric) / max(abs(Double(analytic)), abs(numeric), floor)
}
