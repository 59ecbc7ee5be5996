import Foundation

/// The smallest 1 − p the unlikelihood term takes a log of: Welleck et al.'s code clamps `1 - lprobs.exp()` at
/// 1e-5 (fairseq `candidate_penalty_ce_loss.py`), so a rejected completion the policy has made certain costs a
/// bounded 11.5 instead of an infinite loss that would stop the run.
let unlikelihoodFloor = 1e-5

/// Unlikelihood training (Welleck et al. 2019), the baseline of the DPO paper's §6.1, at sequence level:
/// −p̄c − log(1 − e^p̄r), with p̄ = π/|y| the token-mean log-prob; a term in (πc, πr).
///
/// The token-level loss −(1/|yr|)·Σₜ log(1 − pₜ) needs every rejected token's probability, and the loss seam only
/// carries summed log-probs (`PairLogProbs`). The form here is the same penalty on the rejected completion's
/// geometric-mean token probability e^p̄r, which keeps its gradient sign and vanishes as the completion becomes
/// unlikely, like the token-level one. ∂/∂πc = −1/|yc|; ∂/∂πr = e^p̄r / (1 − e^p̄r) / |yr| = 1 / (e^(−p̄r) − 1) / |yr|,
/// and 0 where the floor holds.
func unlikelihoodLoss(_ pair: PairLogProbs) -> LossTerm {
    let nc = Double(pair.chosenTokens), nr = Double(pair.rejectedTokens)
    let pc = pair.policyChosen / nc, pr = pair.policyRejected / nr
    let logUnlikely = log1mexp(pr)
    let clamped = logUnlikely <= log(unlikelihoodFloor)
    return LossTerm(
        value: -pc - (clamped ? log(unlikelihoodFloor) : logUnlikely),
        dChosen: -1 / nc,
        dRejected: clamped ? 0 : 1 / expm1(-pr) / nr)
}
