/// An out-of-range loss setting, naming the experiment-file key (TRL's name) so the message points at the line
/// to fix.
public struct LossSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let message: String
    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(key): \(message)" }
}

extension LossSettings {
    /// Checks every value the loss functions rely on; throws a `LossSettingsError` naming the first bad key.
    ///
    /// The ranges are TRL's where TRL checks (`robust` needs 0 ≤ ε < 0.5, `exo_pair` needs ε > 0,
    /// `loss_weights` one per loss type) and otherwise what keeps the formulas finite and meaningful.
    public func validate() throws {
        func fail(_ key: String, _ message: String) -> LossSettingsError { LossSettingsError(key: key, message) }

        if lossTypes.isEmpty { throw fail("loss_type", "needs at least one loss") }
        if let repeated = lossTypes.first(where: { type in lossTypes.filter { $0 == type }.count > 1 }) {
            throw fail("loss_type", "lists \(repeated.rawValue) more than once; give it a larger weight instead")
        }
        if lossTypes.contains(.kto) && lossTypes.count > 1 {
            throw fail("loss_type", "kto takes unpaired examples and cannot be combined with other losses")
        }
        if let weights = lossWeights {
            if weights.count != lossTypes.count {
                throw fail(
                    "loss_weights",
                    "has \(weights.count) weights for \(lossTypes.count) loss types; give one per loss type")
            }
            if let bad = weights.first(where: { !($0.isFinite && $0 >= 0) }) {
                throw fail("loss_weights", "weights must be finite and ≥ 0 (got \(bad))")
            }
        }
        if !(beta.isFinite && beta > 0) { throw fail("beta", "must be finite and > 0 (got \(beta))") }
        if !(labelSmoothing >= 0 && labelSmoothing <= 0.5) {
            throw fail("label_smoothing", "must lie in [0, 0.5] (got \(labelSmoothing))")
        }
        if lossTypes.contains(.robust) && labelSmoothing >= 0.5 {
            throw fail("label_smoothing", "must lie in [0, 0.5) for the robust loss, which divides by 1 − 2ε")
        }
        if lossTypes.contains(.exoPair) && labelSmoothing == 0 {
            throw fail("label_smoothing", "must be > 0 for exo_pair, which takes log ε (the EXO paper uses 1e-3)")
        }
        if !(simpoGamma.isFinite && simpoGamma >= 0) {
            throw fail("simpo_gamma", "must be finite and ≥ 0 (got \(simpoGamma))")
        }
        if let alpha = rpoAlpha, !(alpha.isFinite && alpha >= 0) {
            throw fail("rpo_alpha", "must be finite and ≥ 0 (got \(alpha))")
        }
        if let lambda = orpoLambda, !(lambda.isFinite && lambda >= 0) {
            throw fail("orpo_lambda", "must be finite and ≥ 0 (got \(lambda))")
        }
        if !(discopopTau.isFinite && discopopTau > 0) {
            throw fail("discopop_tau", "must be finite and > 0 (got \(discopopTau))")
        }
        if !(desirableWeight.isFinite && desirableWeight > 0) {
            throw fail("desirable_weight", "must be finite and > 0 (got \(desirableWeight))")
        }
        if !(undesirableWeight.isFinite && undesirableWeight > 0) {
            throw fail("undesirable_weight", "must be finite and > 0 (got \(undesirableWeight))")
        }
    }
}
