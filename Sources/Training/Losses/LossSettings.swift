/// The loss configuration, with TRL's key names and defaults (`DPOConfig`, `CPOConfig`, `ORPOConfig`, `KTOConfig`).
///
/// `lossTypes` may list several losses, combined as Σ wᵢ·lossᵢ with `lossWeights` (TRL's `loss_type` list and
/// `loss_weights`). Call `validate()` before training: the loss functions assume valid settings.
public struct LossSettings: Sendable, Equatable, Codable {
    /// `loss_type`: one or more losses; the first is the primary one whose rewards are logged.
    public var lossTypes: [LossType] = [.sigmoid]
    /// `loss_weights`: one weight per loss type; nil means all 1.
    public var lossWeights: [Double]? = nil
    /// `beta`: the KL penalty's inverse temperature (τ in IPO, λ in ORPO unless `orpoLambda` is set).
    public var beta: Double = 0.1
    /// `label_smoothing` ε: the assumed probability that a preference label is flipped, used by `sigmoid`
    /// (cDPO), `robust` (rDPO), `simpo` (as TRL's CPO trainer) and `exo_pair` (where it must be positive).
    public var labelSmoothing: Double = 0
    /// `simpo_gamma` γ: SimPO's target reward margin; the loss uses γ/β.
    public var simpoGamma: Double = 0.5
    /// `rpo_alpha`: when set, adds `rpoAlpha ·` the chosen completions' token-mean NLL (RPO, Pang et al. 2024,
    /// as TRL's DPOTrainer did before its 2026 refactor: `losses + rpo_alpha * nll_loss`).
    public var rpoAlpha: Double? = nil
    /// `orpo_lambda` λ: weight of ORPO's odds-ratio term. TRL's `ORPOConfig` has no such key: its `beta` *is* λ
    /// ("In the paper, it is denoted by λ"), so nil means `beta`, as in TRL.
    public var orpoLambda: Double? = nil
    /// `orpo_nll`: which tokens ORPO's NLL term averages over: the chosen completion's (`completion`, the ORPO
    /// paper's L_SFT on the response) or the whole chosen sequence, prompt included (`sequence`, TRL's
    /// ORPOTrainer: "orpo chosen nll loss is computed over the full prompt and response").
    public var orpoNLL: ORPONLL = .completion
    /// `discopop_tau` τ: temperature of DiscoPOP's mixing coefficient σ(βΔ/τ).
    public var discopopTau: Double = 0.05
    /// `desirable_weight`, `undesirable_weight`: KTO's per-class loss weights.
    public var desirableWeight: Double = 1, undesirableWeight: Double = 1
    /// `rdpo_alpha` α: R-DPO's length term (Park et al. 2024, eq. 9): the margin of the margin-based losses becomes
    /// β(Lc − Lr) − α(|y_w| − |y_l|), so a longer chosen completion must earn more log-ratio to win; nil is off.
    public var rdpoAlpha: Double? = nil
    /// `ld_alpha` α: LD-DPO's length desensitization (Liu et al. 2024, as TRL's DPOTrainer): the policy's log-prob
    /// of a completion counts its first min(|y_w|, |y_l|) tokens whole and the rest times α (`PairBatch`); the
    /// reference's is not reweighted, as in TRL. nil (or 1) is plain DPO.
    public var ldAlpha: Double? = nil

    public init(
        lossTypes: [LossType] = [.sigmoid], lossWeights: [Double]? = nil, beta: Double = 0.1,
        labelSmoothing: Double = 0, simpoGamma: Double = 0.5, rpoAlpha: Double? = nil, orpoLambda: Double? = nil,
        discopopTau: Double = 0.05, desirableWeight: Double = 1, undesirableWeight: Double = 1, rdpoAlpha: Double? = nil,
        ldAlpha: Double? = nil
    ) {
        self.lossTypes = lossTypes
        self.lossWeights = lossWeights
        self.beta = beta
        self.labelSmoothing = labelSmoothing
        self.simpoGamma = simpoGamma
        self.rpoAlpha = rpoAlpha
        self.orpoLambda = orpoLambda
        self.discopopTau = discopopTau
        self.desirableWeight = desirableWeight
        self.undesirableWeight = undesirableWeight
        self.rdpoAlpha = rdpoAlpha
        self.ldAlpha = ldAlpha
    }

    public enum ORPONLL: String, Sendable, Codable, CaseIterable {
        case completion, sequence
    }

    /// The weight of each entry of `lossTypes` (`lossWeights`, or all 1).
    public var resolvedWeights: [Double] { lossWeights ?? Array(repeating: 1, count: lossTypes.count) }

    /// ORPO's λ: `orpoLambda`, or `beta` as in TRL's ORPO trainer.
    public var resolvedOrpoLambda: Double { orpoLambda ?? beta }

    /// Whether any configured loss reads reference log-probs.
    public var needsReference: Bool { lossTypes.contains { $0.needsReference } }
}
