import Foundation

/// The smallest 1 − p the unlikelihood term takes a log of: Welleck et al.'s code clamps `1 - lprobs.exp()` at
/// 1e-5 (fairseq `candidate_penalty_ce_loss.py`), so a rejected token the policy has made certain costs a bounded
/// 11.5 instead of an infinite loss that would stop the run.
let unlikelihoodFloor = 1e-5

/// One rejected token's log(1 − p) from its log-prob l = log p, and d/dl = −1/(e^(−l) − 1); 0 where the floor holds.
/// `PairBatch` sums the values over a rejected completion (`CompletionSums.rejectedUnlikelihood`) and multiplies
/// the loss's gradient by the slopes, token by token.
func tokenUnlikelihood(_ logProb: Double) -> (value: Double, slope: Double) {
    let value = log1mexp(logProb)
    guard value > log(unlikelihoodFloor) else { return (log(unlikelihoodFloor), 0) }
    return (value, -1 / expm1(-logProb))
}

/// Unlikelihood training (Welleck et al. 2019), the baseline of the DPO paper's §6.1, at token level:
/// −πc/|yc| − Ur/|yr|, with Ur = Σₜ log(1 − pₜ) over the rejected completion's tokens (each clamped at the floor).
/// It raises the chosen tokens' likelihood and lowers every rejected token's, the common words a rejected review
/// shares with a chosen one included, which is why the paper finds it a poor frontier.
///
/// A term in (πc, Ur): ∂/∂πc = −1/|yc|, ∂/∂Ur = −1/|yr|, and nothing through πr.
///
/// - Precondition: `pair.rejectedUnlikelihood` is set (`PairBatch.sums(_:unlikelihood:)` computes it).
func unlikelihoodLoss(_ pair: PairLogProbs) -> LossTerm {
    guard let unlikely = pair.rejectedUnlikelihood else {
        preconditionFailure("unlikelihood needs the rejected tokens' Σ log(1 − p): PairBatch.sums(_:unlikelihood: true)")
    }
    let nc = Double(pair.chosenTokens), nr = Double(pair.rejectedTokens)
    return LossTerm(value: -pair.policyChosen / nc - unlikely / nr, dChosen: -1 / nc, dRejected: 0,
                    dRejectedUnlikelihood: -1 / nr)
}
