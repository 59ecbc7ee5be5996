/// The preference losses, named as TRL's `loss_type` values.
///
/// The paired losses follow `DPOTrainer._compute_loss` (trl/trainer/dpo_trainer.py); `simpo` follows the CPO
/// trainer, `orpo` the ORPO paper (its NLL over the completion; `orpo_nll: sequence` for TRL's ORPO trainer, whose
/// NLL covers the prompt too), `kto` the KTO trainer. Formulas, with their papers, are in
/// `../shared/design/LOSSES.md` and on each function in `PairwiseLosses.swift`, `ReferenceFreeLosses.swift` and
/// `KTOLoss.swift`; `aot` and `aot_unpaired` in `AOTLosses.swift`; `unlikelihood` is the DPO paper's Unlikelihood baseline (`UnlikelihoodLoss.swift`).
public enum LossType: String, CaseIterable, Codable, Sendable {
    case sigmoid, robust, hinge, ipo
    case exoPair = "exo_pair", ncaPair = "nca_pair", bcoPair = "bco_pair", sppoHard = "sppo_hard"
    case apoZero = "apo_zero", apoDown = "apo_down", discopop, sigmoidNorm = "sigmoid_norm"
    /// AOT (Melnyk et al. 2024) on the batch's sorted log-ratios (`aotLoss`).
    case aot, aotUnpaired = "aot_unpaired"
    case simpo, orpo, kto, sft
    /// Unlikelihood training (Welleck et al. 2019), the DPO paper's baseline, at token level (`unlikelihoodLoss`):
    /// it reads the rejected tokens' Σ log(1 − p) as well as the summed log-probs.
    case unlikelihood
    /// SPPO (Wu et al. 2024, as the authors' trainer): its targets are win probabilities estimated from completions
    /// sampled each round (`sppoLoss`), so this loss type is the whole method, configured by the `sppo.*` keys.
    case sppo

    /// Whether the loss reads the reference model's log-probs. The trainer skips the reference (and its cache)
    /// when no configured loss needs it.
    public var needsReference: Bool {
        switch self {
        case .simpo, .orpo, .sft, .unlikelihood: false
        default: true
        }
    }

    /// Whether `preferenceLoss` computes it from a pair's four log-probs: `kto` takes single completions labelled
    /// desirable or not (`ktoLoss`), `sppo` also each completion's win probability (`sppoLoss`).
    public var isPairwise: Bool { self != .kto && self != .sppo }

    /// Whether the loss is a function of the margin z = β(Lc − Lr), which R-DPO's length term shifts.
    public var takesMargin: Bool {
        switch self {
        case .sigmoid, .robust, .hinge, .exoPair, .discopop: true
        default: false
        }
    }

    /// Whether the loss divides log-probs by completion token counts, so a count of 0 is an error.
    public var usesTokenCounts: Bool {
        switch self {
        case .ipo, .sigmoidNorm, .simpo, .orpo, .sft, .unlikelihood: true
        default: false
        }
    }
}
