import Foundation
import Model
import Preference
import Tokenizer

/// One SPPO round's training data, as the authors' `generate.py` and `compute_prob.py` make it: `samples`
/// completions of each prompt from π_t, each completion's win probability against π_t estimated by
/// `winProbabilities`, and one pair per prompt: the completion likeliest to win as chosen, the least likely as
/// rejected (the first of equals, numpy's `argmax`/`argmin`), with their two probabilities as the loss's targets.
///
/// Kept in the run (`sppo/round-<t>.json`), so a resumed round trains on the pairs it started with.
struct SPPORound: Codable {
    struct Pair: Codable {
        let prompt: [Int32]
        let chosen: [Int32]
        let rejected: [Int32]
        let probabilities: WinProbabilities
        let scoreChosen: Double
        let scoreRejected: Double

        /// Every sample of the prompt had the same win probability, so the likeliest winner and loser are one.
        var isTie: Bool { chosen == rejected }
    }

    let iteration: Int
    let judge: String
    let pairs: [Pair]
    /// P̂(y ≻ π_t) of every sampled completion, for the round's distribution.
    let allProbabilities: [Double]
    let meanScore: Double

    /// P̂(y_i ≻ π_t) = mean over j of P(y_i ≻ y_j), with P(y_i ≻ y_i) = ½: the authors' estimate of each sample's
    /// win probability against the policy that drew the samples.
    static func winProbabilities(scores: [Double], judge: any Judge) -> [Double] {
        scores.indices.map { i in
            scores.indices.reduce(0) { sum, j in sum + (i == j ? 0.5 : judge.winProbability(scores[i], over: scores[j])) }
                / Double(scores.count)
        }
    }

    /// Samples `settings.samples` completions of each prompt from `policy`, judges and pairs them; sampling is
    /// seeded by the run's seed, the round, the prompt and the sample. `progress` is told the prompts done.
    static func make(policy: Transformer, prompts: [TokenizedPair], iteration: Int, tokenizer: BPETokenizer, judge: any Judge,
                     settings: SPPOSettings, seed: Int, progress: (Int, Int) throws -> Void) throws -> SPPORound {
        let stop: Set<Int32> = tokenizer.eosTokenId.map { [$0] } ?? []
        var pairs: [Pair] = []
        var all: [Double] = []
        var scoreSum = 0.0
        let sampled = try policy.samplingModel()
        for (row, prompt) in prompts.enumerated() {
            let completions = try sampled.generate(
                prompts: Array(repeating: prompt.prompt, count: settings.samples),
                seeds: (0..<settings.samples).map {
                    UInt64(seed) &* 1_000_003 &+ UInt64(iteration) &* 104_729 &+ UInt64(row) &* 7919 &+ UInt64($0) &+ 0x5990
                },
                settings: SamplingSettings(temperature: Float(settings.temperature), topP: settings.topP.map(Float.init),
                                           maxNewTokens: settings.maxNewTokens, seed: 0),
                stopTokens: stop, batchSize: generationBatch)
            let text = tokenizer.decode(prompt.prompt, skipSpecialTokens: true)
            let scores = try judge.scores(prompts: Array(repeating: text, count: completions.count),
                                          completions: completions.map { tokenizer.decode($0, skipSpecialTokens: true) })
            let probabilities = winProbabilities(scores: scores, judge: judge)
            // Swift's max(by:) and min(by:) keep the first of equals, as numpy's argmax and argmin.
            let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
            let worst = probabilities.indices.min { probabilities[$0] < probabilities[$1] }!
            pairs.append(Pair(prompt: prompt.prompt, chosen: completions[best], rejected: completions[worst],
                              probabilities: WinProbabilities(chosen: probabilities[best], rejected: probabilities[worst]),
                              scoreChosen: scores[best], scoreRejected: scores[worst]))
            all += probabilities
            scoreSum += scores.reduce(0, +)
            try progress(row + 1, prompts.count)
        }
        return SPPORound(iteration: iteration, judge: judge.name, pairs: pairs, allProbabilities: all,
                         meanScore: scoreSum / Double(max(all.count, 1)))
    }

    var tokenizedPairs: [TokenizedPair] {
        pairs.enumerated().map { index, pair in
            TokenizedPair(prompt: pair.prompt, chosen: pair.chosen, rejected: pair.rejected,
                          source: SourceLocation(file: "sppo round \(iteration)", line: index + 1))
        }
    }

    /// The round's line in `sppo_rounds.jsonl`: the distributions of P̂ (every sample's, the chosen and the rejected
    /// ones') and the judge's mean score of the samples, which should rise from round to round.
    func summary(step: Int) -> [String: Any] {
        let chosen = pairs.map(\.probabilities.chosen), rejected = pairs.map(\.probabilities.rejected)
        return [
            "step": step, "iteration": iteration, "judge": judge, "prompts": pairs.count, "ties": pairs.filter(\.isTie).count,
            "mean_score": meanScore,
            "prob": Self.distribution(allProbabilities), "prob_chosen": Self.distribution(chosen),
            "prob_rejected": Self.distribution(rejected),
        ]
    }

    var report: String {
        let chosen = pairs.map(\.probabilities.chosen), rejected = pairs.map(\.probabilities.rejected)
        return String(format: "sppo round %d: %d pairs judged by %@ (%d prompts whose samples all tied); mean score of the samples %.3f; "
                      + "P̂ chosen %.3f, rejected %.3f", iteration, pairs.count, judge, pairs.filter(\.isTie).count, meanScore,
                      Self.mean(chosen), Self.mean(rejected))
    }

    private static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

    /// Mean, standard deviation, quartiles and a 10-bin histogram over [0, 1].
    static func distribution(_ values: [Double]) -> [String: Any] {
        let sorted = values.sorted()
        let average = mean(values)
        let std = (values.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(max(values.count, 1))).squareRoot()
        func quantile(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(q * Double(sorted.count - 1) + 0.5))] }
        var histogram = [Int](repeating: 0, count: 10)
        for value in values { histogram[min(9, max(0, Int(value * 10)))] += 1 }
        return ["mean": average, "std": std, "min": sorted.first ?? 0, "p25": quantile(0.25), "p50": quantile(0.5),
                "p75": quantile(0.75), "max": sorted.last ?? 0, "histogram": histogram]
    }
}
