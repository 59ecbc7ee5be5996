import Foundation

/// TensorBoard's exponential moving average with bias correction, so the first points are not pulled to 0:
///
///     last ← w·last + (1 − w)·yᵢ        (last starts at 0; non-finite yᵢ are passed through and skipped)
///     sᵢ   = last / (1 − wⁿ)            (n: finite values seen so far)
///
/// `weight` 0 returns the series unchanged; the workbench starts at 0.6 as TensorBoard does.
public func smoothed(_ values: [Double], weight: Double) -> [Double] {
    guard weight > 0 else { return values }
    let w = min(weight, 0.999)
    var last = 0.0
    var count = 0.0
    return values.map { value in
        guard value.isFinite else { return value }
        last = last * w + (1 - w) * value
        count += 1
        return last / (1 - pow(w, count))
    }
}
