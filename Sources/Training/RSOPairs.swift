import Determinism
import Foundation
import Model
import Preference
import Tokenizer

/// RSO's preference data, made once from the SFT policy before the preference stage (and kept in the run as
/// `rso_pairs.json`, so a resumed run trains on the same pairs): for each prompt, `candidates` sampled completions,
/// judged; `samples` of them kept by `RejectionSampler`; pairs by `PairRanking`, higher reward chosen.
struct RSOPairs: Codable {
    struct Pair: Codable {
        let prompt: [Int32]
        let chosen: [Int32]
        let rejected: [Int32]
    }

    let pairs: [Pair]
    /// Accepted samples over proposals looked at, over every prompt.
    let acceptanceRate: Double
    let meanRewardAccepted: Double
    let meanRewardAll: Double
    /// The standard deviation of all candidates' rewards, to read β_RS against.
    let rewardSpread: Double

    static let fileName = "rso_pairs.json"

    var tokenizedPairs: [TokenizedPair] {
        pairs.enumerated().map { index, pair in
            TokenizedPair(prompt: pair.prompt, chosen: pair.chosen, rejected: pair.rejected, source: SourceLocation(file: "rso", line: index + 1))
        }
    }

    var report: String {
        String(format: "rso: %d pairs; acceptance rate %.3f; reward of accepted samples %.3f against %.3f for all candidates; "
            + "reward spread (std) %.3f", pairs.count, acceptanceRate, meanRewardAccepted, meanRewardAll, rewardSpread)
    }

    /// Samples, judges, rejection-samples and pairs; `progress` is told the prompts done.
    static func make(policy: Transformer, prompts: [TokenizedPair], tokenizer: BPETokenizer, judge: any Judge, settings: RSOSettings,
                     seed: Int, progress: (Int, Int) throws -> Void) throws -> RSOPairs {
        let stop: Set<Int32> = tokenizer.eosTokenId.map { [$0] } ?? []
        let sampler = RejectionSampler(beta: settings.beta)
        var generator = SplitMix64(seed: UInt64(seed) ^ 0x5050)
        var pairs: [Pair] = []
        var accepted = 0, proposals = 0
        var acceptedRewards: [Double] = [], allRewards: [Double] = []
        let sampled = try policy.samplingModel()
        for (row, prompt) in prompts.enumerated() {
            let completions = try sampled.generate(
                prompts: Array(repeating: prompt.prompt, count: settings.candidates),
                seeds: (0..<settings.candidates).map { UInt64(seed) &* 1_000_003 &+ UInt64(row) &* 7919 &+ UInt64($0) &+ 0x5050 },
                settings: SamplingSettings(temperature: Float(settings.temperature), maxNewTokens: settings.maxNewTokens, seed: 0),
                stopTokens: stop, batchSize: generationBatch)
            let text = tokenizer.decode(prompt.prompt, skipSpecialTokens: true)
            let rewards = try judge.scores(prompts: Array(repeating: text, count: completions.count),
                                       completions: completions.map { tokenizer.decode($0, skipSpecialTokens: true) })
            let kept = sampler.sample(rewards: rewards, count: settings.samples, using: &generator)
            accepted += kept.accepted.count
            proposals += kept.proposals
            allRewards += rewards
            acceptedRewards += kept.accepted.map { rewards[$0] }
            for pair in settings.ranking.pairs(rewards: kept.accepted.map { rewards[$0] }) {
                pairs.append(Pair(prompt: prompt.prompt, chosen: completions[kept.accepted[pair.chosen]],
                                  rejected: completions[kept.accepted[pair.rejected]]))
            }
            try progress(row + 1, prompts.count)
        }
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(max(values.count, 1)) }
        let all = mean(allRewards)
        let spread = (allRewards.reduce(0) { $0 + ($1 - all) * ($1 - all) } / Double(max(allRewards.count, 1))).squareRoot()
        return RSOPairs(pairs: pairs, acceptanceRate: Double(accepted) / Double(max(proposals, 1)),
                        meanRewardAccepted: mean(acceptedRewards), meanRewardAll: all, rewardSpread: spread)
    }
}
