/// One completion for KTO: summed log-probs of its tokens under the policy and the reference, its token count,
/// and whether its label is desirable (TRL's `label`).
public struct UnpairedLogProbs: Sendable, Equatable {
    public var policy: Double, reference: Double
    /// Carried for the trainer's token accounting; the KTO loss, as TRL's, uses the summed log-probs.
    public var tokens: Int
    public var desirable: Bool

    public init(policy: Double, reference: Double, tokens: Int, desirable: Bool) {
        self.policy = policy
        self.reference = reference
        self.tokens = tokens
        self.desirable = desirable
    }
}

/// A KTO batch's loss, its gradient with respect to each example's policy log-prob, and TRL's KTO metrics.
public struct UnpairedLossResult: Sendable {
    /// The mean over all examples of the weighted per-example losses.
    public var loss: Double
    /// ∂loss/∂examples[i].policy, including the 1/count of the mean.
    public var dPolicy: [Double]
    /// As TRL's `KTOTrainer` logs them: `loss`; `kl` (the reference point z); `rewards/chosen`, `logps/chosen`
    /// (means over desirable examples, present when there are any); `rewards/rejected`, `logps/rejected` (over
    /// undesirable ones); `rewards/margins` = rewards/chosen − rewards/rejected (when both are present); and
    /// `count/chosen`, `count/rejected`, so a trainer can combine micro-batches by count as TRL does.
    public var metrics: [String: Double]
}

/// The KTO loss (Ethayarajh et al. 2024, eq. 7) as TRL's `KTOTrainer.kto_loss`.
///
/// With L = π − r and the reference point z = max(0, mean over `mismatched` of (policy − reference)), an estimate
/// of KL(policy ‖ reference) from completions paired with the wrong prompts, treated as a constant (TRL detaches
/// it, so no gradient flows into `mismatched`):
/// - desirable: `desirableWeight` · (1 − σ(β(L − z)))
/// - undesirable: `undesirableWeight` · (1 − σ(β(z − L)))
///
/// The loss is the plain mean over all examples (TRL's `losses.nanmean()`): the weights are not renormalised.
/// With `mismatched` empty, z = 0 (TRL without a KL batch). Rewards are β·L.
///
/// - Precondition: `examples` is not empty.
/// - Complexity: O(examples + mismatched).
public func ktoLoss(
    _ examples: [UnpairedLogProbs], mismatched: [UnpairedLogProbs], settings: LossSettings
) -> UnpairedLossResult {
    precondition(!examples.isEmpty, "ktoLoss needs at least one example")
    let beta = settings.beta
    let shift = mismatched.reduce(0) { $0 + ($1.policy - $1.reference) } / Double(max(mismatched.count, 1))
    let z = max(0, shift)
    let n = Double(examples.count)

    var loss = 0.0
    var dPolicy = [Double](repeating: 0, count: examples.count)
    var rewards = (chosen: 0.0, rejected: 0.0), logps = (chosen: 0.0, rejected: 0.0), count = (chosen: 0, rejected: 0)
    for (i, example) in examples.enumerated() {
        let ratio = example.policy - example.reference
        if example.desirable {
            let x = beta * (ratio - z)
            loss += settings.desirableWeight * (1 - sigmoid(x)) / n
            dPolicy[i] = -settings.desirableWeight * beta * sigmoidSlope(x) / n
            rewards.chosen += beta * ratio
            logps.chosen += example.policy
            count.chosen += 1
        } else {
            let x = beta * (z - ratio)
            loss += settings.undesirableWeight * (1 - sigmoid(x)) / n
            dPolicy[i] = settings.undesirableWeight * beta * sigmoidSlope(x) / n
            rewards.rejected += beta * ratio
            logps.rejected += example.policy
            count.rejected += 1
        }
    }

    var metrics: [String: Double] = [
        "loss": loss, "kl": z, "count/chosen": Double(count.chosen), "count/rejected": Double(count.rejected),
    ]
    if count.chosen > 0 {
        metrics["rewards/chosen"] = rewards.chosen / Double(count.chosen)
        metrics["logps/chosen"] = logps.chosen / Double(count.chosen)
    }
    if count.rejected > 0 {
        metrics["rewards/rejected"] = rewards.rejected / Double(count.rejected)
        metrics["logps/rejected"] = logps.rejected / Double(count.rejected)
    }
    if count.chosen > 0 && count.rejected > 0 {
        metrics["rewards/margins"] = rewards.chosen / Double(count.chosen) - rewards.rejected / Double(count.rejected)
    }
    return UnpairedLossResult(loss: loss, dPolicy: dPolicy, metrics: metrics)
}

/// KTO metrics of several micro-batches as TRL combines them: the class means (`rewards/chosen`, `logps/chosen`,
/// and the same for rejected) weighted by each micro-batch's count of that class, `rewards/margins` from the
/// combined means, every other metric the plain mean; the `count/*` bookkeeping is dropped.
public func combinedKTOMetrics(_ parts: [[String: Double]]) -> [String: Double] {
    var combined: [String: Double] = [:]
    let keys = Set(parts.flatMap(\.keys)).subtracting(["count/chosen", "count/rejected", "rewards/margins"])
    for key in keys {
        let side = key.hasSuffix("/chosen") ? "count/chosen" : key.hasSuffix("/rejected") ? "count/rejected" : nil
        if let side {
            let weights = parts.map { $0[key] == nil ? 0 : $0[side] ?? 0 }
            let total = weights.reduce(0, +)
            guard total > 0 else { continue }
            combined[key] = zip(parts, weights).reduce(0) { $0 + ($1.0[key] ?? 0) * $1.1 } / total
        } else {
            combined[key] = parts.reduce(0) { $0 + ($1[key] ?? 0) } / Double(parts.count)
        }
    }
    if let chosen = combined["rewards/chosen"], let rejected = combined["rewards/rejected"] { combined["rewards/margins"] = chosen - rejected }
    return combined
}
