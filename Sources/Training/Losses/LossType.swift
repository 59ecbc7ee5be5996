/// The preference losses, named as TRL's `loss_type` values.
///
/// The paired losses follow `DPOTrainer._compute_loss` (trl/trainer/dpo_trainer.py); `simpo` follows the CPO
/// trainer, `orpo` the ORPO trainer, `kto` the KTO trainer. Formulas, with their papers, are in
/// `../shared/design/LOSSES.md` and on each function in `PairwiseLosses.swift`, `ReferenceFreeLosses.swift` and
/// `KTOLoss.swift`.
public enum LossType: String, CaseIterable, Codable, Sendable {
    case sigmoid, robust, hinge, ipo
    case exoPair = "exo_pair", ncaPair = "nca_pair", bcoPair = "bco_pair", sppoHard = "sppo_hard"
    case apoZero = "apo_zero", apoDown = "apo_down", discopop, sigmoidNorm = "sigmoid_norm"
    case simpo, orpo, kto, sft

    /// Whether the loss reads the reference model's log-probs. The trainer skips the reference (and its cache)
    /// when no configured loss needs it.
    public var needsReference: Bool {
        switch self {
        case .simpo, .orpo, .sft: false
        default: true
        }
    }

    /// Whether the loss takes (chosen, rejected) pairs; `kto` takes single completions labelled desirable or not.
    public var isPaired: Bool { self != .kto }

    /// Whether the loss divides log-probs by completion token counts, so a count of 0 is an error.
    public var usesTokenCounts: Bool {
        switch self {
        case .ipo, .sigmoidNorm, .simpo, .orpo, .sft: true
        default: false
        }
    }
}
