import Foundation

// The losses that need no reference model: SimPO (as TRL's CPO trainer), ORPO (the paper's; with
// `orpo_nll: sequence`, TRL's ORPO trainer, whose NLL covers the prompt too) and the chosen completions' negative
// log-likelihood behind `sft`, `orpo` and RPO's `rpo_alpha`.

/// SimPO (Meng et al. 2024, eq. 6) with TRL's CPO trainer's label smoothing: the cDPO loss on
/// m = πc/|yc| − πr/|yr| − γ/β, i.e. −(1−ε)·logσ(βm) − ε·logσ(−βm); a term in (πc, πr).
///
/// TRL's `CPOTrainer` also adds `cpo_alpha` (default 1) times the NLL; here pure SimPO is `simpo` alone and
/// SimPO + NLL is `rpo_alpha` or a combination with `sft`.
func simpo(_ pair: PairLogProbs, settings: LossSettings) -> LossTerm {
    let beta = settings.beta
    let nc = Double(pair.chosenTokens), nr = Double(pair.rejectedTokens)
    let m = pair.policyChosen / nc - pair.policyRejected / nr - settings.simpoGamma / beta
    return .margin(
        cdpo(beta * m, epsilon: settings.labelSmoothing), chosenScale: beta / nc, rejectedScale: beta / nr)
}

/// ORPO's odds-ratio term for one pair (Hong et al. 2024, eqs. 4–7, as TRL's `ORPOTrainer.odds_ratio_loss`):
/// −λ·logσ(log_odds), with log_odds = (p̄c − p̄r) − (log(1 − e^p̄c) − log(1 − e^p̄r)) and p̄ = π/|y| the token-mean
/// log-prob; a term in (πc, πr). Also returns log_odds for the `log_odds_chosen` metric.
///
/// ∂log_odds/∂p̄c = 1/(1 − e^p̄c) and ∂log_odds/∂p̄r = −1/(1 − e^p̄r). A token-mean log-prob of exactly 0 (every
/// token certain) makes the odds infinite and the gradient NaN, as in TRL; the trainer stops on it.
func orpoOddsRatio(_ pair: PairLogProbs, lambda: Double) -> (term: LossTerm, logOdds: Double) {
    let nc = Double(pair.chosenTokens), nr = Double(pair.rejectedTokens)
    let pc = pair.policyChosen / nc, pr = pair.policyRejected / nr
    let logOdds = (pc - pr) - (log1mexp(pc) - log1mexp(pr))
    let slope = -lambda * sigmoid(-logOdds)  // d(−λ·logσ(x))/dx
    let term = LossTerm(
        value: -lambda * logSigmoid(logOdds),
        dChosen: slope / (-expm1(pc)) / nc,
        dRejected: -slope / (-expm1(pr)) / nr)
    return (term, logOdds)
}

/// The chosen completions' negative log-likelihood, averaged over all their tokens in the batch:
/// Σ(−πc) / Σ|yc|, with ∂/∂πc = −1/Σ|yc| for every pair.
///
/// This is TRL's reduction: `F.cross_entropy` (mean over every unmasked chosen token) in DPOTrainer's `sft`
/// loss and `nll_loss`, and `nn.CrossEntropyLoss()` in the CPO and ORPO trainers. It weighs long completions
/// more than a mean of per-sequence averages would; the two agree when lengths are equal.
func chosenNLL(_ pairs: [PairLogProbs]) -> (value: Double, dChosen: Double) {
    let tokens = Double(pairs.reduce(0) { $0 + $1.chosenTokens })
    let logProb = pairs.reduce(0) { $0 + $1.policyChosen }
    return (-logProb / tokens, -1 / tokens)
}

/// The chosen sequences' negative log-likelihood, prompt included, averaged over all their predicted tokens in the
/// batch: Σ(−πp − πc) / Σ(|p| − 1 + |yc|), with the same slope −1/Σ(…) for every prompt and chosen log-prob. TRL's
/// ORPOTrainer computes its NLL so (cross-entropy over every unpadded position of prompt + chosen); the ORPO paper's
/// L_SFT, `chosenNLL`, covers the response only.
func sequenceNLL(_ pairs: [PairLogProbs]) -> (value: Double, slope: Double) {
    let tokens = Double(pairs.reduce(0) { $0 + $1.chosenTokens + $1.promptTokens })
    let logProb = pairs.reduce(0) { $0 + $1.policyChosen + $1.promptLogProb }
    return (-logProb / tokens, -1 / tokens)
}
