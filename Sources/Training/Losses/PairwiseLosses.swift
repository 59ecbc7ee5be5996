import Foundation

// The pairwise preference losses of TRL's `DPOTrainer._compute_loss` (trl/trainer/dpo_trainer.py), one small
// function each, written in the variables the formula uses: z = βΔ for the margin losses, zc = βLc and zr = βLr
// for the per-completion ones (Lc = πc − rc, Lr = πr − rr, Δ = Lc − Lr). Each returns the per-pair value and its
// derivatives with respect to those variables; `pairwiseLoss` applies the chain rule back to πc and πr.
// Formulas and worked numbers: ../shared/design/LOSSES.md.

/// A per-pair loss value and its partial derivatives with respect to a chosen-side and a rejected-side variable
/// (which variables depends on who returns it: see each function).
struct LossTerm: Equatable {
    var value: Double
    var dChosen: Double
    var dRejected: Double
    /// With respect to the rejected tokens' Σ log(1 − p), which only `unlikelihood` reads.
    var dRejectedUnlikelihood = 0.0

    /// A loss of z = a·xc − b·xr, given its value and dloss/dz, as a term in (xc, xr).
    static func margin(_ f: (value: Double, slope: Double), chosenScale a: Double, rejectedScale b: Double)
        -> LossTerm
    {
        LossTerm(value: f.value, dChosen: f.slope * a, dRejected: -f.slope * b)
    }

    /// The same loss with both derivatives multiplied by `factor` (the chain rule through z = factor · x).
    func scaled(by factor: Double) -> LossTerm {
        LossTerm(value: value, dChosen: dChosen * factor, dRejected: dRejected * factor,
                 dRejectedUnlikelihood: dRejectedUnlikelihood * factor)
    }
}

/// The DPO loss (Rafailov et al. 2023, eq. 7) with conservative label smoothing (cDPO, Mitchell 2023; the DPO
/// authors' code, OpenRLHF, torchtune): −(1−ε)·logσ(z) − ε·logσ(−z), as a function of z. TRL's `sigmoid` took ε
/// the same way until its 2026 refactor, which dropped it; LOSSES.md keeps cDPO.
func cdpo(_ z: Double, epsilon: Double) -> (value: Double, slope: Double) {
    (
        -(1 - epsilon) * logSigmoid(z) - epsilon * logSigmoid(-z),
        -(1 - epsilon) * sigmoid(-z) + epsilon * sigmoid(z)
    )
}

/// Robust DPO (rDPO, Chowdhury et al. 2024, eq. 8): the unbiased estimate of the clean loss under label noise ε,
/// [−(1−ε)·logσ(z) + ε·logσ(−z)] / (1 − 2ε).
func rdpo(_ z: Double, epsilon: Double) -> (value: Double, slope: Double) {
    (
        (-(1 - epsilon) * logSigmoid(z) + epsilon * logSigmoid(-z)) / (1 - 2 * epsilon),
        (-(1 - epsilon) * sigmoid(-z) - epsilon * sigmoid(z)) / (1 - 2 * epsilon)
    )
}

/// The SLiC hinge loss (Zhao et al. 2023), max(0, 1 − z); at the kink z = 1 the subgradient 0 is used.
func hinge(_ z: Double) -> (value: Double, slope: Double) {
    z < 1 ? (1 - z, -1) : (0, 0)
}

/// IPO (Azar et al. 2023, eq. 17): (h − 1/(2β))², with h the difference of per-token averaged log-ratios
/// (TRL normalises by length; the IPO authors confirmed this matches their reported results).
func ipo(_ h: Double, beta: Double) -> (value: Double, slope: Double) {
    let r = h - 1 / (2 * beta)
    return (r * r, 2 * r)
}

/// EXO-pref (Ji et al. 2024, eq. 16): KL from the model's pair distribution softmax(βΔ) to the smoothed label
/// distribution (1−ε, ε): σ(z)·[logσ(z) − log(1−ε)] + σ(−z)·[logσ(−z) − log ε].
///
/// Its derivative simplifies to σ(z)·σ(−z)·(z − log(1−ε) + log ε), since logσ(z) − logσ(−z) = z.
func exoPair(_ z: Double, epsilon: Double) -> (value: Double, slope: Double) {
    let p = sigmoid(z), q = sigmoid(-z)
    let logPrior = log1p(-epsilon), logFlip = log(epsilon)
    return (
        p * (logSigmoid(z) - logPrior) + q * (logSigmoid(-z) - logFlip),
        p * q * (z - logPrior + logFlip)
    )
}

/// DiscoPOP (Lu et al. 2024, "Discovering Preference Optimization Algorithms", eq. 5), the log-ratio modulated
/// loss found by LLM-driven search: m = σ(z/τ), (1 − m)·(−logσ(z)) + m·e^(−z).
///
/// m·e^(−z) is computed as exp(logσ(z/τ) − z), finite for any z when τ < 1 (it tends to 0 as z → −∞, where
/// e^(−z) alone overflows and 0·∞ would give NaN).
func discopop(_ z: Double, tau: Double) -> (value: Double, slope: Double) {
    let m = sigmoid(z / tau)
    let logistic = softplus(-z)  // −logσ(z)
    let weightedExp = exp(logSigmoid(z / tau) - z)  // m·e^(−z)
    let dm = m * (1 - m) / tau
    return (
        (1 - m) * logistic + weightedExp,
        -dm * logistic - (1 - m) * sigmoid(-z) + weightedExp * ((1 - m) / tau - 1)
    )
}

/// NCA (Chen et al. 2024, "Noise Contrastive Alignment"), pairwise form: −logσ(zc) − ½·logσ(−zc) − ½·logσ(−zr),
/// as a term in (zc, zr).
func ncaPair(_ zc: Double, _ zr: Double) -> LossTerm {
    LossTerm(
        value: -logSigmoid(zc) - 0.5 * logSigmoid(-zc) - 0.5 * logSigmoid(-zr),
        dChosen: -sigmoid(-zc) + 0.5 * sigmoid(zc),
        dRejected: 0.5 * sigmoid(zr))
}

/// BCO (Jung et al. 2024), pairwise form: −logσ(zc) − logσ(−zr), as a term in (zc, zr). As current TRL and
/// LOSSES.md, without the running mean δ of past rewards that TRL subtracted from zc and zr before its 2026
/// refactor (which would make the loss depend on earlier batches).
func bcoPair(_ zc: Double, _ zr: Double) -> LossTerm {
    LossTerm(value: -logSigmoid(zc) - logSigmoid(-zr), dChosen: -sigmoid(-zc), dRejected: sigmoid(zr))
}

/// SPPO with hard labels (Wu et al. 2024, eq. 4.7 with P = 1 for the winner): (Lc − 1/(2β))² + (Lr + 1/(2β))²,
/// as a term in (Lc, Lr).
func sppoHard(_ lc: Double, _ lr: Double, beta: Double) -> LossTerm {
    let c = lc - 1 / (2 * beta), r = lr + 1 / (2 * beta)
    return LossTerm(value: c * c + r * r, dChosen: 2 * c, dRejected: 2 * r)
}

/// APO-zero (D'Oosterlinck et al. 2024, eq. 7), for chosen outputs better than the model's own:
/// (1 − σ(zc)) + σ(zr), as a term in (zc, zr).
func apoZero(_ zc: Double, _ zr: Double) -> LossTerm {
    LossTerm(
        value: (1 - sigmoid(zc)) + sigmoid(zr),
        dChosen: -sigmoidSlope(zc),
        dRejected: sigmoidSlope(zr))
}

/// APO-down (D'Oosterlinck et al. 2024, eq. 8), for chosen outputs worse than the model's own:
/// σ(zc) + 1 − σ(zc − zr), as a term in (zc, zr).
func apoDown(_ zc: Double, _ zr: Double) -> LossTerm {
    let margin = sigmoidSlope(zc - zr)
    return LossTerm(
        value: sigmoid(zc) + 1 - sigmoid(zc - zr),
        dChosen: sigmoidSlope(zc) - margin,
        dRejected: margin)
}

/// σ′(x) = σ(x)·σ(−x).
func sigmoidSlope(_ x: Double) -> Double {
    sigmoid(x) * sigmoid(-x)
}

/// The per-pair value of a paired loss and its derivatives with respect to the pair's policy log-probs
/// (`dChosen` = ∂/∂πc, `dRejected` = ∂/∂πr). `orpo` and `sft` involve the batch's token-mean NLL and are
/// assembled in `batchLoss`.
func pairwiseLoss(_ type: LossType, _ pair: PairLogProbs, settings: LossSettings) -> LossTerm {
    let beta = settings.beta, epsilon = settings.labelSmoothing
    let lc = pair.policyChosen - pair.referenceChosen
    let lr = pair.policyRejected - pair.referenceRejected
    let z = beta * (lc - lr) - (settings.rdpoAlpha ?? 0) * Double(pair.chosenTokens - pair.rejectedTokens)
    let nc = Double(pair.chosenTokens), nr = Double(pair.rejectedTokens)
    switch type {
    case .sigmoid: return .margin(cdpo(z, epsilon: epsilon), chosenScale: beta, rejectedScale: beta)
    case .robust: return .margin(rdpo(z, epsilon: epsilon), chosenScale: beta, rejectedScale: beta)
    case .hinge: return .margin(hinge(z), chosenScale: beta, rejectedScale: beta)
    case .exoPair: return .margin(exoPair(z, epsilon: epsilon), chosenScale: beta, rejectedScale: beta)
    case .discopop:
        return .margin(discopop(z, tau: settings.discopopTau), chosenScale: beta, rejectedScale: beta)
    case .ipo: return .margin(ipo(lc / nc - lr / nr, beta: beta), chosenScale: 1 / nc, rejectedScale: 1 / nr)
    case .sigmoidNorm:
        // TRL's sigmoid_norm: the DPO loss on per-token averaged log-ratios, without label smoothing.
        return .margin(
            cdpo(beta * (lc / nc - lr / nr), epsilon: 0), chosenScale: beta / nc, rejectedScale: beta / nr)
    case .ncaPair: return ncaPair(beta * lc, beta * lr).scaled(by: beta)
    case .bcoPair: return bcoPair(beta * lc, beta * lr).scaled(by: beta)
    case .sppoHard: return sppoHard(lc, lr, beta: beta)
    case .apoZero: return apoZero(beta * lc, beta * lr).scaled(by: beta)
    case .apoDown: return apoDown(beta * lc, beta * lr).scaled(by: beta)
    case .simpo: return simpo(pair, settings: settings)
    case .unlikelihood: return unlikelihoodLoss(pair)
    case .orpo, .sft, .aot, .aotUnpaired: preconditionFailure("\(type.rawValue) has a batch-level term: see batchLoss")
    case .kto: preconditionFailure("kto is unpaired: call ktoLoss")
    case .sppo: preconditionFailure("sppo needs win probabilities: call sppoLoss")
    }
}
