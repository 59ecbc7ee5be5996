/// One preference pair as the loss sees it: summed log-probs of the completion tokens (prompt excluded) under the
/// policy and the reference, and the completions' token counts.
public struct PairLogProbs: Sendable, Equatable {
    public var policyChosen: Double, policyRejected: Double
    /// 0 when every configured loss is reference-free (`simpo`, `orpo`, `sft`, `unlikelihood`).
    public var referenceChosen: Double, referenceRejected: Double
    public var chosenTokens: Int, rejectedTokens: Int
    /// Σₜ log(1 − pₜ) over the rejected completion's tokens under the policy, for `unlikelihood` (nil otherwise).
    public var rejectedUnlikelihood: Double?
    /// The policy's summed log-prob of the prompt's tokens after its first, and their count, for ORPO's NLL over
    /// the whole sequence (`orpo_nll: sequence`); 0 otherwise.
    public var promptLogProb: Double, promptTokens: Int

    public init(
        policyChosen: Double, policyRejected: Double, referenceChosen: Double = 0, referenceRejected: Double = 0,
        chosenTokens: Int, rejectedTokens: Int, rejectedUnlikelihood: Double? = nil, promptLogProb: Double = 0,
        promptTokens: Int = 0
    ) {
        self.policyChosen = policyChosen
        self.policyRejected = policyRejected
        self.referenceChosen = referenceChosen
        self.referenceRejected = referenceRejected
        self.chosenTokens = chosenTokens
        self.rejectedTokens = rejectedTokens
        self.rejectedUnlikelihood = rejectedUnlikelihood
        self.promptLogProb = promptLogProb
        self.promptTokens = promptTokens
    }
}

/// A batch's loss, its exact gradient with respect to every policy log-prob, and TRL's metrics.
public struct LossResult: Sendable {
    /// Σ wᵢ·lossᵢ over the configured losses, each a batch mean, plus `rpo_alpha`·NLL when set.
    public var loss: Double
    /// ∂loss/∂policyChosen[i], including the 1/batch of the mean.
    public var dPolicyChosen: [Double]
    /// ∂loss/∂policyRejected[i], including the 1/batch of the mean.
    public var dPolicyRejected: [Double]
    /// ∂loss/∂rejectedUnlikelihood[i] (`unlikelihood`); empty when no configured loss reads it.
    public var dRejectedUnlikelihood: [Double] = []
    /// ∂loss/∂promptLogProb[i] (`orpo` with `orpo_nll: sequence`); empty otherwise.
    public var dPrompt: [Double] = []
    /// `loss`, `rewards/chosen`, `rewards/rejected`, `rewards/margins`, `rewards/accuracies`, `logps/chosen`,
    /// `logps/rejected` (see `preferenceMetrics`); `nll_loss` with `rpo_alpha`, `sft` or `orpo`;
    /// `log_odds_ratio` and `log_odds_chosen` with `orpo`; `loss/<loss_type>` (unweighted) for each of several
    /// losses.
    public var metrics: [String: Double]
}

/// The preference loss of a batch of pairs, its gradient, and its metrics.
///
/// Each configured loss is the mean over pairs of its per-pair value (`PairwiseLosses.swift`), or for `sft` and
/// `orpo` involves the chosen tokens' mean NLL (`ReferenceFreeLosses.swift`); several are summed with
/// `lossWeights`, as TRL's `loss_type` list. The gradients are exact (no autograd): the trainer back-propagates
/// `dPolicyChosen[i]` into every chosen token's log-prob of pair i.
///
/// ```swift
/// let pair = PairLogProbs(policyChosen: -10, policyRejected: -12, referenceChosen: -11,
///                         referenceRejected: -11, chosenTokens: 4, rejectedTokens: 5)
/// let result = preferenceLoss([pair], settings: LossSettings())  // DPO, β = 0.1
/// // result.loss ≈ 0.598139, result.dPolicyChosen ≈ [-0.0450166], result.metrics["rewards/chosen"] ≈ 0.1
/// ```
///
/// - Precondition: `pairs` is not empty, `settings` is valid and holds no `kto` or `sppo`, and token counts are positive
///   when a configured loss divides by them (`ipo`, `sigmoid_norm`, `simpo`, `orpo`, `sft`,
///   `unlikelihood`, `rpo_alpha`), and `unlikelihood` finds each pair's `rejectedUnlikelihood`.
/// - Complexity: O(pairs × loss types).
public func preferenceLoss(_ pairs: [PairLogProbs], settings: LossSettings) -> LossResult {
    precondition(!pairs.isEmpty, "preferenceLoss needs at least one pair")
    precondition(settings.lossTypes.allSatisfy(\.isPairwise), "kto and sppo take more than log-probs: call ktoLoss or sppoLoss")
    let types = settings.lossTypes
    let usesNLL = settings.rpoAlpha != nil || types.contains(.sft) || types.contains(.orpo)
    if settings.rpoAlpha != nil || types.contains(where: \.usesTokenCounts) {
        precondition(
            pairs.allSatisfy { $0.chosenTokens > 0 && $0.rejectedTokens > 0 },
            "\(types.map(\.rawValue)) divide by completion token counts, which must be positive")
    }

    var total = BatchTerm(count: pairs.count)
    var metrics: [String: Double] = [:]
    for (type, weight) in zip(types, settings.resolvedWeights) {
        let term = batchLoss(type, pairs, settings: settings)
        total.add(term, weight: weight)
        metrics.merge(term.metrics) { first, _ in first }
        if types.count > 1 { metrics["loss/\(type.rawValue)"] = term.value }
    }
    if let alpha = settings.rpoAlpha {
        total.add(.chosenNLL(pairs), weight: alpha)
    }
    if usesNLL {
        metrics["nll_loss"] = types.contains(.orpo) && settings.orpoNLL == .sequence ? sequenceNLL(pairs).value : chosenNLL(pairs).value
    }
    metrics.merge(preferenceMetrics(pairs, primary: types[0], beta: settings.beta)) { first, _ in first }
    metrics["loss"] = total.value
    return LossResult(
        loss: total.value, dPolicyChosen: total.dChosen, dPolicyRejected: total.dRejected,
        dRejectedUnlikelihood: types.contains(.unlikelihood) ? total.dRejectedUnlikelihood : [],
        dPrompt: settings.orpoNLL == .sequence ? total.dPrompt : [], metrics: metrics)
}

/// One loss over a batch: its value and its gradient with respect to every pair's policy log-probs, plus any
/// metrics only it can compute.
struct BatchTerm {
    var value = 0.0
    var dChosen: [Double]
    var dRejected: [Double]
    var dRejectedUnlikelihood: [Double]
    var dPrompt: [Double]
    var metrics: [String: Double] = [:]

    init(count: Int) {
        dChosen = Array(repeating: 0, count: count)
        dRejected = Array(repeating: 0, count: count)
        dRejectedUnlikelihood = Array(repeating: 0, count: count)
        dPrompt = Array(repeating: 0, count: count)
    }

    /// The chosen tokens' mean NLL (`chosenNLL`) as a batch term.
    static func chosenNLL(_ pairs: [PairLogProbs]) -> BatchTerm {
        let nll = Training.chosenNLL(pairs)
        var term = BatchTerm(count: pairs.count)
        term.value = nll.value
        term.dChosen = Array(repeating: nll.dChosen, count: pairs.count)
        return term
    }

    /// The chosen sequences' NLL, prompt included (`sequenceNLL`), as a batch term.
    static func sequenceNLL(_ pairs: [PairLogProbs]) -> BatchTerm {
        let nll = Training.sequenceNLL(pairs)
        var term = BatchTerm(count: pairs.count)
        term.value = nll.value
        term.dChosen = Array(repeating: nll.slope, count: pairs.count)
        term.dPrompt = Array(repeating: nll.slope, count: pairs.count)
        return term
    }

    /// Adds the mean over the batch of per-pair terms, `terms[i]` belonging to pair i.
    mutating func addMean(_ terms: [LossTerm]) {
        let n = Double(terms.count)
        for (i, term) in terms.enumerated() {
            value += term.value / n
            dChosen[i] += term.dChosen / n
            dRejected[i] += term.dRejected / n
            dRejectedUnlikelihood[i] += term.dRejectedUnlikelihood / n
        }
    }

    /// Adds `weight` × `other` (value and gradients; metrics are not merged).
    mutating func add(_ other: BatchTerm, weight: Double) {
        value += weight * other.value
        for i in dChosen.indices {
            dChosen[i] += weight * other.dChosen[i]
            dRejected[i] += weight * other.dRejected[i]
            dRejectedUnlikelihood[i] += weight * other.dRejectedUnlikelihood[i]
            dPrompt[i] += weight * other.dPrompt[i]
        }
    }
}

/// One configured loss over the batch: the mean of its per-pair values, with the chosen NLL for `sft` (alone) and
/// `orpo` (NLL − λ·mean logσ(log_odds), TRL's `loss = policy_nll_loss - losses.mean()`).
func batchLoss(_ type: LossType, _ pairs: [PairLogProbs], settings: LossSettings) -> BatchTerm {
    switch type {
    case .aot, .aotUnpaired:
        return aotLoss(type, pairs, settings: settings)
    case .sft:
        return .chosenNLL(pairs)
    case .orpo:
        let odds = pairs.map { orpoOddsRatio($0, lambda: settings.resolvedOrpoLambda) }
        var term: BatchTerm = settings.orpoNLL == .sequence ? .sequenceNLL(pairs) : .chosenNLL(pairs)
        term.addMean(odds.map(\.term))
        let n = Double(pairs.count)
        term.metrics["log_odds_ratio"] = odds.reduce(0) { $0 + logSigmoid($1.logOdds) } / n
        term.metrics["log_odds_chosen"] = odds.reduce(0) { $0 + $1.logOdds } / n
        return term
    default:
        var term = BatchTerm(count: pairs.count)
        term.addMean(pairs.map { pairwiseLoss(type, $0, settings: settings) })
        return term
    }
}
