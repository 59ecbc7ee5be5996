/// TRL's reward and log-prob metrics of a batch, each a mean over its pairs.
///
/// - `rewards/chosen`, `rewards/rejected`: the implicit rewards β·(π − r) (DPO paper, section 5), whatever the
///   loss (TRL's DPOTrainer since its 2026 refactor; before it, a `loss_type` list logged the `loss_weights`-weighted
///   sum of each loss's rewards, and `ipo` logged rewards of per-token averages). When the primary (first) loss is
///   `simpo` or `orpo`, which have no reference, β·π/|y| as TRL's CPO and ORPO trainers log. With `sft` alone and no
///   reference, r = 0.
/// - `rewards/margins`: rewards/chosen − rewards/rejected, per pair, then averaged.
/// - `rewards/accuracies`: the fraction of pairs whose chosen reward is strictly greater (a tie counts 0).
/// - `logps/chosen`, `logps/rejected`: the policy's summed completion log-probs (not per-token), for every loss
///   (TRL's CPO and ORPO trainers log their token-averaged log-probs here instead).
func preferenceMetrics(_ pairs: [PairLogProbs], primary: LossType, beta: Double) -> [String: Double] {
    let averaged = primary == .simpo || primary == .orpo
    var chosen = 0.0, rejected = 0.0, margins = 0.0, correct = 0.0, logpsChosen = 0.0, logpsRejected = 0.0
    for pair in pairs {
        let rewardChosen =
            averaged
            ? beta * pair.policyChosen / Double(pair.chosenTokens)
            : beta * (pair.policyChosen - pair.referenceChosen)
        let rewardRejected =
            averaged
            ? beta * pair.policyRejected / Double(pair.rejectedTokens)
            : beta * (pair.policyRejected - pair.referenceRejected)
        chosen += rewardChosen
        rejected += rewardRejected
        margins += rewardChosen - rewardRejected
        if rewardChosen > rewardRejected { correct += 1 }
        logpsChosen += pair.policyChosen
        logpsRejected += pair.policyRejected
    }
    let n = Double(pairs.count)
    return [
        "rewards/chosen": chosen / n,
        "rewards/rejected": rejected / n,
        "rewards/margins": margins / n,
        "rewards/accuracies": correct / n,
        "logps/chosen": logpsChosen / n,
        "logps/rejected": logpsRejected / n,
    ]
}
