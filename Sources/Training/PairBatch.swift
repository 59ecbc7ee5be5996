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
    /// Target index ranges of each pair's prompt tokens after its first (empty without `promptTargets`).
    let promptTargets: [Range<Int>]
    let predictsPrompt: Bool

    /// With `promptTargets`, the prompt's tokens are predicted too, for ORPO's NLL over prompt and completion
    /// (`orpo_nll: sequence`, TRL's ORPOTrainer).
    public init(_ pairs: [TokenizedPair], promptTargets: Bool = false) {
        var packed = PackedBatch()
        var chosen: [Range<Int>] = [], rejected: [Range<Int>] = [], prompts: [Range<Int>] = []
        for pair in pairs {
            if pair.prompt.isEmpty {
                chosen.append(packed.appendUnprompted(pair.chosen))
                rejected.append(packed.appendUnprompted(pair.rejected))
                prompts.append(packed.targetCount..<packed.targetCount)
            } else {
                let ranges = packed.appendShared(prompt: pair.prompt, completions: [pair.chosen, pair.rejected], promptTargets: promptTargets)
                prompts.append(ranges.prompt)
                chosen.append(ranges.completions[0])
                rejected.append(ranges.completions[1])
            }
        }
        self.packed = packed
        chosenTargets = chosen
        rejectedTargets = rejected
        self.promptTargets = prompts
        self.predictsPrompt = promptTargets
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
        }.enumerated().map { index, sums in
            guard predictsPrompt else { return sums }
            var withPrompt = sums
            withPrompt.prompt = promptTargets[index].reduce(0) { $0 + Double(logp[$1]) }
            withPrompt.promptTokens = promptTargets[index].count
            return withPrompt
        }
    }

    /// d loss / d log-prob per target: a completion's summed log-prob passes its gradient to each of its tokens
    /// (times `ldAlpha` beyond the shorter completion, as `sums` weighs them). `unlikelihood` carries
    /// ∂loss/∂Σ log(1 − p) per pair and the log-probs of the forward pass, whose token slopes it multiplies.
    public func targetGradients(dChosen: [Double], dRejected: [Double], scale: Double = 1, ldAlpha: Double? = nil,
                                unlikelihood: (gradients: [Double], logp: [Float])? = nil, dPrompt: [Double] = []) -> [Float] {
        var dlogp = [Float](repeating: 0, count: packed.targetCount)
        for (i, gradient) in dPrompt.enumerated() {
            for t in promptTargets[i] { dlogp[t] = Float(gradient * scale) }
        }
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
    /// The prompt's summed log-prob (its tokens after the first) and their count, when the batch predicts them.
    public var prompt: Double? = nil
    public var promptTokens: Int? = nil
}
