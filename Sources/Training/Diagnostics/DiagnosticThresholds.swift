/// When each of the run's warnings fires (`diagnostics.*` keys; see `Diagnosis`). The defaults fire on runs whose
/// samples a person would call broken, and stay quiet on the retuned demo.
public struct DiagnosticThresholds: Sendable, Equatable {
    /// Likelihood displacement: the chosen completions' mean log-prob fell this many nats below the reference's…
    public var displacementNats = 10.0
    /// …on at least this share of the held-out pairs.
    public var displacementShare = 0.8
    /// Length exploitation: the correlation of the reward margin with the length difference reaches this…
    public var lengthCorrelation = 0.5
    /// …or the policy's samples are this many times as long as the reference's.
    public var lengthRatio = 1.5
    /// Collapse: the samples' per-token entropy or distinct bigrams fall below this share of the reference's.
    public var diversityRatio = 0.5
    /// Drift: KL(policy ‖ reference) on the policy's samples, nats per sample (the DPO paper's sentiment runs stay
    /// under about 20).
    public var klMax = 20.0
    /// β not acting: the implicit reward margin β·Δ is still below this (each pair's weight σ(−β·Δ) above ~0.44)…
    public var idleMargin = 0.25
    /// …while KL(policy ‖ reference) on the policy's samples has passed this many nats per sample.
    public var idleKL = 2.0
    /// Over-fitting: the held-out loss rose this far above its best while the training loss kept falling.
    public var overfitRise = 0.05
    /// Reward hacking: the held-out implicit reward margin reaches this while the ground-truth reward of the
    /// policy's samples is no better than the reference's.
    public var hackingMargin = 1.0
    /// Degenerate text: the share of samples that are not valid UTF-8 or repeat one 4-gram three times.
    public var degenerateShare = 0.1

    public init() {}
}
