/// Coding with TRL's key names (`loss_type`, `loss_weights`, `beta`, `label_smoothing`, `simpo_gamma`, `rpo_alpha`,
/// `orpo_lambda`, `discopop_tau`, `desirable_weight`, `undesirable_weight`, `rdpo_alpha`, `ld_alpha`, `orpo_nll`). Missing keys take their defaults, and
/// `loss_type` may be one name or a list, as in TRL.
extension LossSettings {
    enum CodingKeys: String, CodingKey {
        case lossTypes = "loss_type", lossWeights = "loss_weights", beta
        case labelSmoothing = "label_smoothing", simpoGamma = "simpo_gamma", rpoAlpha = "rpo_alpha"
        case orpoLambda = "orpo_lambda", discopopTau = "discopop_tau"
        case desirableWeight = "desirable_weight", undesirableWeight = "undesirable_weight"
        case rdpoAlpha = "rdpo_alpha", ldAlpha = "ld_alpha", orpoNLL = "orpo_nll"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        if let one = try? c.decode(LossType.self, forKey: .lossTypes) {
            lossTypes = [one]
        } else if let list = try c.decodeIfPresent([LossType].self, forKey: .lossTypes) {
            lossTypes = list
        }
        lossWeights = try c.decodeIfPresent([Double].self, forKey: .lossWeights)
        beta = try c.decodeIfPresent(Double.self, forKey: .beta) ?? beta
        labelSmoothing = try c.decodeIfPresent(Double.self, forKey: .labelSmoothing) ?? labelSmoothing
        simpoGamma = try c.decodeIfPresent(Double.self, forKey: .simpoGamma) ?? simpoGamma
        rpoAlpha = try c.decodeIfPresent(Double.self, forKey: .rpoAlpha)
        orpoLambda = try c.decodeIfPresent(Double.self, forKey: .orpoLambda)
        discopopTau = try c.decodeIfPresent(Double.self, forKey: .discopopTau) ?? discopopTau
        desirableWeight = try c.decodeIfPresent(Double.self, forKey: .desirableWeight) ?? desirableWeight
        undesirableWeight = try c.decodeIfPresent(Double.self, forKey: .undesirableWeight) ?? undesirableWeight
        rdpoAlpha = try c.decodeIfPresent(Double.self, forKey: .rdpoAlpha)
        ldAlpha = try c.decodeIfPresent(Double.self, forKey: .ldAlpha)
        orpoNLL = try c.decodeIfPresent(ORPONLL.self, forKey: .orpoNLL) ?? orpoNLL
    }
}
