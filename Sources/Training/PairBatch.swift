import Model
import Preference

/// Preference pairs packed for one forward pass: each pair's prompt once, with its chosen and rejected
/// completions as two spans that see the prompt but not each other (prefix sharing, no padding).
/// Maps the model's per-token log-probabilities to per-completion sums, and per-completion gradients back.
public struct PairBatch: Sendable {
    public let packed: PackedBatch
    /// Target index ranges of each pair's chosen and rejected completion.
    let chosenTargets: [Range<Int>]
    let rejectedTargets: [Range<Int>]

    public init(_ pairs: [TokenizedPair]) {
        var packed = PackedBatch()
        var chosen: [Range<Int>] = [], rejected: [Range<Int>] = []
        for pair in pairs {
            if pair.prompt.isEmpty {
                // Nothing predicts a completion's first token without a prompt: it is context, not a target.
                chosen.append(packed.appendSequence(pair.chosen, targetMask: [false] + Array(repeating: true, count: max(0, pair.chosen.count - 1))))
                rejected.append(packed.appendSequence(pair.rejected, targetMask: [false] + Array(repeating: true, count: max(0, pair.rejected.count - 1))))
            } else {
                let ranges = packed.appendShared(prompt: pair.prompt, completions: [pair.chosen, pair.rejected])
                chosen.append(ranges[0])
                rejected.append(ranges[1])
            }
        }
        self.packed = packed
        chosenTargets = chosen
        rejectedTargets = rejected
    }

    public var count: Int { chosenTargets.count }
    /// Tokens that carry a completion log-probability (the "real" tokens a step learns from).
    public var completionTokens: Int { packed.targetCount }

    /// Summed log-probabilities and token counts per pair, from `forward`'s per-target values. With `ldAlpha`
    /// (LD-DPO), the tokens of a completion beyond the pair's shorter completion count `ldAlpha` times. With
    /// `unlikelihood`, also the rejected tokens' Σ log(1 − p) (`tokenUnlikelihood`), weighed the same way.
    public func sums(_ logp: [Float], ldAlpha: Double? = nil, unlikelihood: Bool = false) -> [CompletionSums] {
        zip(chosenTargets, rejectedTargets).map { chosen, rejected in
            let shared = min(chosen.count, rejected.count)
            let unlikely = unlikelihood
                ? rejected.reduce(0) { $0 + tokenUnlikelihood(Double(logp[$1])).value * weight($1 - rejected.lowerBound, shared: shared, alpha: ldAlpha) }
                : nil
            return CompletionSums(chosen: sum(logp, chosen, shared: shared, alpha: ldAlpha),
                                  rejected: sum(logp, rejected, shared: shared, alpha: ldAlpha),
                                  chosenTokens: chosen.count, rejectedTokens: rejected.count,
                                  rejectedUnlikelihood: unlikely)
        }
    }

    /// d loss / d log-prob per target: a completion's summed log-prob passes its gradient to each of its tokens
    /// (times `ldAlpha` beyond the shorter completion, as `sums` weighs them). `unlikelihood` carries
    /// ∂loss/∂Σ log(1 − p) per pair and the log-probs of the forward pass, whose token slopes it multiplies.
    public func targetGradients(dChosen: [Double], dRejected: [Double], scale: Double = 1, ldAlpha: Double? = nil,
                                unlikelihood: (gradients: [Double], logp: [Float])? = nil) -> [Float] {
        var dlogp = [Float](repeating: 0, count: packed.targetCount)
        for (i, (chosen, rejected)) in zip(chosenTargets, rejectedTargets).enumerated() {
            let shared = min(chosen.count, rejected.count)
            for (range, gradient) in [(chosen, dChosen[i]), (rejected, dRejected[i])] {
                for t in range { dlogp[t] = Float(gradient * scale * weight(t - range.lowerBound, shared: shared, alpha: ldAlpha)) }
            }
            guard let unlikelihood, unlikelihood.gradients[i] != 0 else { continue }
            for t in rejected {
                let slope = tokenUnlikelihood(Double(unlikelihood.logp[t])).slope
                dlogp[t] += Float(unlikelihood.gradients[i] * scale * slope * weight(t - rejected.lowerBound, shared: shared, alpha: ldAlpha))
            }
        }
        return dlogp
    }

    private func weight(_ position: Int, shared: Int, alpha: Double?) -> Double {
        position < shared ? 1 : alpha ?? 1
    }

    private func sum(_ logp: [Float], _ range: Range<Int>, shared: Int, alpha: Double?) -> Double {
        range.reduce(0) { $0 + Double(logp[$1]) * weight($1 - range.lowerBound, shared: shared, alpha: alpha) }
    }
}

/// One pair's summed completion log-probabilities under one model.
public struct CompletionSums: Sendable, Equatable, Codable {
    public var chosen: Double
    public var rejected: Double
    public var chosenTokens: Int
    public var rejectedTokens: Int
    /// The rejected tokens' Σ log(1 − p), when `unlikelihood` asked for it.
    public var rejectedUnlikelihood: Double? = nil
}
