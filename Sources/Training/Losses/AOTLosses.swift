/// AOT, alignment via optimal transport (Melnyk et al. 2024), as TRL's DPOTrainer computes it: the DPO loss on
/// the batch's sorted log-ratios rather than pair by pair, so the policy's distribution of margins is pushed to
/// dominate the reference's (first-order stochastic dominance, which sorting makes a one-dimensional transport).
///
/// - `aot`: δₖ = sortₖ(πc − πr) − sortₖ(rc − rr), for paired data.
/// - `aot_unpaired`: δₖ = sortₖ(Lc) − sortₖ(Lr), chosen and rejected log-ratios sorted apart, for data whose
///   chosen and rejected completions are not matched.
///
/// The loss is the batch mean of the cDPO form −(1−ε)·logσ(βδₖ) − ε·logσ(−βδₖ). Its gradient reaches each
/// policy log-prob through the place sorting gave it; ties are ordered by pair index (either order gives the same
/// loss).
func aotLoss(_ type: LossType, _ pairs: [PairLogProbs], settings: LossSettings) -> BatchTerm {
    let beta = settings.beta, n = Double(pairs.count)
    var term = BatchTerm(count: pairs.count)
    /// Pair indices in ascending order of `values`.
    func ranks(_ values: [Double]) -> [Int] { values.indices.sorted { (values[$0], $0) < (values[$1], $1) } }
    let chosenOrder: [Int], rejectedOrder: [Int], deltas: [Double]
    switch type {
    case .aot:
        let policy = pairs.map { $0.policyChosen - $0.policyRejected }
        let reference = pairs.map { $0.referenceChosen - $0.referenceRejected }.sorted()
        chosenOrder = ranks(policy)
        rejectedOrder = chosenOrder
        deltas = chosenOrder.enumerated().map { policy[$1] - reference[$0] }
    case .aotUnpaired:
        let chosen = pairs.map { $0.policyChosen - $0.referenceChosen }
        let rejected = pairs.map { $0.policyRejected - $0.referenceRejected }
        chosenOrder = ranks(chosen)
        rejectedOrder = ranks(rejected)
        deltas = zip(chosenOrder, rejectedOrder).map { chosen[$0] - rejected[$1] }
    default:
        preconditionFailure("\(type.rawValue) is not an AOT loss")
    }
    for (k, delta) in deltas.enumerated() {
        let f = cdpo(beta * delta, epsilon: settings.labelSmoothing)
        term.value += f.value / n
        term.dChosen[chosenOrder[k]] += beta * f.slope / n
        term.dRejected[rejectedOrder[k]] -= beta * f.slope / n
    }
    return term
}
