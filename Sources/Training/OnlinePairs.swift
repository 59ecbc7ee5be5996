import Foundation
import Model
import Preference
import Tokenizer

/// Online DPO's pairs, as TRL's `OnlineDPOTrainer` makes them: two completions of each prompt sampled from the
/// current policy, scored by a judge (minus `missing_eos_penalty` for a completion that never reaches EOS); the
/// higher score is chosen, the first completion on a tie (TRL's `scores[:n] >= scores[n:]`).
///
/// Sampling is seeded by the run's seed, the micro-batch and the row, so a resumed run draws what the
/// uninterrupted one drew.
struct OnlinePairs {
    /// One judged pair and what TRL's metrics need of it.
    struct Judged {
        let pair: TokenizedPair
        let prompt: String
        let chosen: String
        let rejected: String
        let chosenScore: Double
        let rejectedScore: Double
        /// Whether the chosen and the rejected completion end with EOS.
        let endsWithEOS: (chosen: Bool, rejected: Bool)
    }

    let settings: OnlineSettings
    let seed: Int
    let tokenizer: BPETokenizer
    let judge: any Judge

    /// Samples and judges a pair for each prompt of micro-batch `microBatch`.
    func pairs(policy: Transformer, prompts: [TokenizedPair], microBatch: Int) throws -> [Judged] {
        let eos = tokenizer.eosTokenId
        let stop: Set<Int32> = eos.map { [$0] } ?? []
        let sampling = SamplingSettings(
            temperature: Float(settings.temperature), topP: settings.topP.map(Float.init), maxNewTokens: settings.maxNewTokens, seed: 0)
        // Two completions per prompt, all sampled as one batch; completion k of row r keeps its own seed.
        let seeds = (0..<2 * prompts.count).map { UInt64(seed) &* 1_000_003 &+ UInt64(microBatch) &* 7919 &+ UInt64($0) &+ 0x0DD0 }
        let completions = try policy.samplingModel().generate(prompts: prompts.flatMap { [$0.prompt, $0.prompt] }, seeds: seeds, settings: sampling,
                                              stopTokens: stop, batchSize: generationBatch)
        let promptTexts = prompts.map { tokenizer.decode($0.prompt, skipSpecialTokens: true) }
        let texts = completions.map { tokenizer.decode($0, skipSpecialTokens: true) }
        let endsWithEOS = completions.map { completion in eos.map { completion.last == $0 } ?? false }
        var scores = try judge.scores(prompts: promptTexts.flatMap { [$0, $0] }, completions: texts)
        if let penalty = settings.missingEOSPenalty {
            for index in scores.indices where !endsWithEOS[index] { scores[index] -= penalty }
        }
        return prompts.indices.map { row in
            let (first, second) = (2 * row, 2 * row + 1)
            let (chosen, rejected) = scores[first] >= scores[second] ? (first, second) : (second, first)
            return Judged(
                pair: TokenizedPair(prompt: prompts[row].prompt, chosen: completions[chosen], rejected: completions[rejected],
                                    source: prompts[row].source),
                prompt: promptTexts[row], chosen: texts[chosen], rejected: texts[rejected],
                chosenScore: scores[chosen], rejectedScore: scores[rejected],
                endsWithEOS: (endsWithEOS[chosen], endsWithEOS[rejected]))
        }
    }

    /// TRL's Online DPO metrics over the completions of a batch, from summed completion log-probs (prompt and
    /// padding excluded: TRL sums its per-token KL over padding positions too, where both log-probs are of pad
    /// tokens; here only the completion's own tokens count).
    static func metrics(_ judged: [Judged], _ inputs: [PairLogProbs], beta: Double) -> [String: Double] {
        let n = Double(2 * judged.count)
        let kl = inputs.reduce(0) { $0 + ($1.policyChosen - $1.referenceChosen) + ($1.policyRejected - $1.referenceRejected) } / n
        let entropy = -inputs.reduce(0) { $0 + $1.policyChosen + $1.policyRejected } / n
        let scores = judged.reduce(0) { $0 + $1.chosenScore + $1.rejectedScore } / n
        let margin = judged.reduce(0) { $0 + $1.chosenScore - $1.rejectedScore } / Double(judged.count)
        let eos = judged.reduce(0) { $0 + ($1.endsWithEOS.chosen ? 1 : 0) + ($1.endsWithEOS.rejected ? 1 : 0) }
        return [
            "objective/kl": kl, "objective/entropy": entropy, "objective/non_score_reward": -beta * kl,
            "objective/rlhf_reward": scores - beta * kl, "objective/scores": scores, "objective/scores_margin": margin,
            "val/contain_eos_token": Double(eos) / n,
        ]
    }
}
