/// A pair's estimated win probabilities against the iteration's policy: P̂(y_w ≻ π_t) and P̂(y_l ≻ π_t), each the
/// mean over the prompt's sampled completions y′ of P(y ≻ y′) (`SPPOPairs.winProbabilities`).
public struct WinProbabilities: Sendable, Equatable, Codable {
    public var chosen: Double, rejected: Double

    public init(chosen: Double, rejected: Double) {
        self.chosen = chosen
        self.rejected = rejected
    }
}

/// The SPPO loss (Wu et al. 2024, eq. 4.7, as the authors' `SPPOTrainer` computes it), averaged over the batch:
///
///     ½ [ (Lc − (P̂_w − ½)/β)² + (Lr − (P̂_l − ½)/β)² ],   L = log π(y|x) − log π_t(y|x),
///
/// η = 1/β being the paper's step size; the reference π_t is the policy at the start of the iteration. With hard
/// labels P̂_w = 1, P̂_l = 0 it is half of `sppo_hard`. Metrics are DPO's (`rewards/*` = β·L, `logps/*`) plus the
/// batch means of the targets, `sppo/prob_chosen` and `sppo/prob_rejected`.
///
/// - Precondition: `pairs` is not empty and has one `WinProbabilities` per pair; `beta` > 0.
public func sppoLoss(_ pairs: [PairLogProbs], winProbabilities: [WinProbabilities], beta: Double) -> LossResult {
    precondition(!pairs.isEmpty && pairs.count == winProbabilities.count, "one win probability pair per preference pair")
    let n = Double(pairs.count)
    var loss = 0.0
    var dChosen: [Double] = [], dRejected: [Double] = []
    for (pair, p) in zip(pairs, winProbabilities) {
        let c = (pair.policyChosen - pair.referenceChosen) - (p.chosen - 0.5) / beta
        let r = (pair.policyRejected - pair.referenceRejected) - (p.rejected - 0.5) / beta
        loss += 0.5 * (c * c + r * r) / n
        dChosen.append(c / n)
        dRejected.append(r / n)
    }
    var metrics = preferenceMetrics(pairs, primary: .sppo, beta: beta)
    metrics["loss"] = loss
    metrics["sppo/prob_chosen"] = winProbabilities.reduce(0) { $0 + $1.chosen } / n
    metrics["sppo/prob_rejected"] = winProbabilities.reduce(0) { $0 + $1.rejected } / n
    return LossResult(loss: loss, dPolicyChosen: dChosen, dPolicyRejected: dRejected, metrics: metrics)
}
