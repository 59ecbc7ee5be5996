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
    /// Each setting's own range, shared with the key table (`ExperimentKeys`). TRL's where TRL checks (ε ≤ 0.5;
    /// weights ≥ 0, so a loss can be switched off), otherwise what keeps the formulas finite and meaningful.
    public enum Ranges {
        public static let beta = ValueRange.above(0)
        public static let labelSmoothing = ValueRange.between(0, 0.5)
        public static let lossWeight = ValueRange.atLeast(0)
        public static let simpoGamma = ValueRange.atLeast(0)
        public static let rpoAlpha = ValueRange.atLeast(0)
        public static let orpoLambda = ValueRange.atLeast(0)
        public static let discopopTau = ValueRange.above(0)
        public static let desirableWeight = ValueRange.above(0)
        public static let undesirableWeight = ValueRange.above(0)
        public static let rdpoAlpha = ValueRange.atLeast(0)
        public static let ldAlpha = ValueRange.between(0, 1)
    }

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
        if lossTypes.contains(.sppo) && lossTypes.count > 1 {
            throw fail("loss_type", "sppo takes win probabilities from its own sampling and cannot be combined with other losses")
        }
        if let weights = lossWeights {
            if weights.count != lossTypes.count {
                throw fail(
                    "loss_weights",
                    "has \(weights.count) weights for \(lossTypes.count) loss types; give one per loss type")
            }
            if let bad = weights.first(where: { !Ranges.lossWeight.contains($0) }) {
                throw fail("loss_weights", "weights must be \(Ranges.lossWeight.text()) (got \(bad))")
            }
        }
        try check("beta", beta, Ranges.beta)
        try check("label_smoothing", labelSmoothing, Ranges.labelSmoothing)
        if lossTypes.contains(.robust) && labelSmoothing >= 0.5 {
            throw fail("label_smoothing", "must lie in [0, 0.5) for the robust loss, which divides by 1 − 2ε")
        }
        if lossTypes.contains(.exoPair) && labelSmoothing == 0 {
            throw fail("label_smoothing", "must be > 0 for exo_pair, which takes log ε (the EXO paper uses 1e-3)")
        }
        try check("simpo_gamma", simpoGamma, Ranges.simpoGamma)
        if let rpoAlpha { try check("rpo_alpha", rpoAlpha, Ranges.rpoAlpha) }
        if let orpoLambda { try check("orpo_lambda", orpoLambda, Ranges.orpoLambda) }
        if orpoNLL == .sequence, !lossTypes.contains(.orpo) {
            throw fail("orpo_nll", "chooses the tokens of ORPO's NLL term; the loss types \(lossTypes.map(\.rawValue)) have none (sft and rpo_alpha average over the completion, as TRL's DPOTrainer)")
        }
        try check("discopop_tau", discopopTau, Ranges.discopopTau)
        try check("desirable_weight", desirableWeight, Ranges.desirableWeight)
        try check("undesirable_weight", undesirableWeight, Ranges.undesirableWeight)
        if let rdpoAlpha {
            try check("rdpo_alpha", rdpoAlpha, Ranges.rdpoAlpha)
            if let other = lossTypes.first(where: { !$0.takesMargin }) {
                throw fail("rdpo_alpha", "shifts the margin β(Lc − Lr) of sigmoid, robust, hinge, exo_pair and discopop; \(other.rawValue) has none")
            }
        }
        if let ldAlpha {
            try check("ld_alpha", ldAlpha, Ranges.ldAlpha)
            if lossTypes.contains(.kto) { throw fail("ld_alpha", "reweights the tokens beyond the shorter completion of a pair; kto has no pairs") }
        }
    }

    private func check(_ key: String, _ value: Double, _ range: ValueRange) throws {
        guard range.contains(value) else { throw LossSettingsError(key: key, "must be \(range.text()) (got \(value))") }
    }
}
