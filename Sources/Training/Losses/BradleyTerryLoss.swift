/// A reward model's loss and metrics over one batch of pairs.
public struct BradleyTerryResult: Sendable {
    public var loss: Double
    /// d loss / d reward of each pair's chosen and rejected sequence.
    public var dChosen: [Double]
    public var dRejected: [Double]
    /// `loss`, `accuracy` (chosen strictly above rejected; a tie counts 0, as TRL's RewardTrainer), `margin`,
    /// `rewards/chosen`, `rewards/rejected`: means over the pairs.
    public var metrics: [String: Double]
}

/// The Bradley–Terry loss of a reward model (Ouyang et al. 2022, eq. 1; TRL's `RewardTrainer`):
/// −log σ(r_c − r_r), averaged over pairs.
public func bradleyTerryLoss(chosen: [Double], rejected: [Double]) -> BradleyTerryResult {
    precondition(chosen.count == rejected.count && !chosen.isEmpty, "one rejected reward per chosen one")
    let n = Double(chosen.count)
    var loss = 0.0, correct = 0.0, margins = 0.0
    var dChosen: [Double] = [], dRejected: [Double] = []
    for (c, r) in zip(chosen, rejected) {
        let margin = c - r
        loss -= logSigmoid(margin) / n
        // d/dm −log σ(m) = −σ(−m).
        let slope = -sigmoid(-margin) / n
        dChosen.append(slope)
        dRejected.append(-slope)
        margins += margin / n
        if margin > 0 { correct += 1 / n }
    }
    return BradleyTerryResult(loss: loss, dChosen: dChosen, dRejected: dRejected, metrics: [
        "loss": loss, "accuracy": correct, "margin": margins,
        "rewards/chosen": chosen.reduce(0, +) / n, "rewards/rejected": rejected.reduce(0, +) / n,
    ])
}
