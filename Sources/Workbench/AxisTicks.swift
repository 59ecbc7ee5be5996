import Foundation

/// Tick values a reader can take in at a glance: multiples of 1, 2 or 5 × 10ᵏ, for the scatter charts whose axes
/// are not step numbers (the text frontier and its SVG).
enum AxisTicks {
    /// The multiples of the smallest round step that cuts [low, high] into at most `intervals` parts, inside
    /// [low, high]; `[low]` for an empty range.
    static func nice(_ low: Double, _ high: Double, intervals: Int) -> [Double] {
        guard high > low, intervals > 0 else { return [low] }
        let raw = (high - low) / Double(intervals)
        let magnitude = pow(10, log10(raw).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
        let first = (low / step).rounded(.up), last = (high / step).rounded(.down)
        guard first <= last else { return [] }
        // Multiplying the index (not adding steps) keeps 0.1·3 from drifting further; + 0 turns −0 into 0.
        return stride(from: first, through: last, by: 1).map { $0 * step + 0 }
    }
}
