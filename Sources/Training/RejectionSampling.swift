import Determinism
import Foundation

/// Statistical rejection sampling (Liu et al., "Statistical Rejection Sampling Improves Preference Optimization",
/// ICLR 2024, Algorithm 1): from candidates drawn from the SFT policy with rewards r, keep `count` of them as draws
/// from the optimal policy π*(y) ∝ π_sft(y)·exp(r(y)/β). Each round, every remaining candidate is accepted with
/// probability exp((r − r_max)/β), r_max the highest reward still remaining, in candidate order, until `count` are
/// accepted; accepted candidates leave the pool.
public struct RejectionSampler: Sendable {
    /// β_RS, in the reward's units: small keeps only the best, large keeps the SFT distribution.
    public let beta: Double

    public init(beta: Double) { self.beta = beta }

    /// The accepted candidates' indices, in acceptance order, and how many proposals were looked at.
    public func sample(rewards: [Double], count: Int, using generator: inout SplitMix64) -> (accepted: [Int], proposals: Int) {
        var remaining = Array(rewards.indices)
        var accepted: [Int] = []
        var proposals = 0
        let wanted = min(count, rewards.count)
        while accepted.count < wanted {
            let round = self.round(remaining, rewards: rewards, wanted: wanted - accepted.count, using: &generator)
            accepted += round.accepted
            proposals += round.proposals
            remaining.removeAll { round.accepted.contains($0) }
        }
        return (accepted, proposals)
    }

    /// One pass over `remaining` in order: each is accepted with probability exp((r − r_max)/β), r_max their
    /// highest reward, until `wanted` are accepted.
    func round(_ remaining: [Int], rewards: [Double], wanted: Int, using generator: inout SplitMix64) -> (accepted: [Int], proposals: Int) {
        let best = remaining.map { rewards[$0] }.max()!
        var accepted: [Int] = []
        var proposals = 0
        for index in remaining where accepted.count < wanted {
            proposals += 1
            let u = Double(generator.next() >> 11) * 0x1p-53
            if u < exp((rewards[index] - best) / beta) { accepted.append(index) }
        }
        return (accepted, proposals)
    }
}

/// How RSO turns a prompt's accepted samples into pairs, each judged by reward (higher chosen).
public enum PairRanking: String, Sendable, CaseIterable {
    /// Consecutive samples paired once: k/2 pairs.
    case firstRound = "first_round"
    /// A single-elimination tournament over the samples in order: each round pairs neighbours and the winners
    /// go on, k − 1 pairs for k a power of two.
    case tournament
    /// Every two samples once, k(k − 1)/2 pairs: the DPO paper's IMDb recipe (4 completions a prompt, 6 pairs).
    /// Two samples of equal reward make no pair, since a tie prefers neither.
    case allPairs = "all_pairs"

    /// (chosen, rejected) positions into `rewards`.
    public func pairs(rewards: [Double]) -> [(chosen: Int, rejected: Int)] {
        if self == .allPairs {
            return rewards.indices.flatMap { a in
                rewards.indices.dropFirst(a + 1).compactMap { b in
                    rewards[a] == rewards[b] ? nil : (rewards[a] > rewards[b] ? (a, b) : (b, a))
                }
            }
        }
        var round = Array(rewards.indices)
        var result: [(chosen: Int, rejected: Int)] = []
        repeat {
            var winners: [Int] = []
            for start in stride(from: 0, to: round.count - 1, by: 2) {
                let (a, b) = (round[start], round[start + 1])
                let pair = rewards[a] >= rewards[b] ? (a, b) : (b, a)
                result.append(pair)
                winners.append(pair.0)
            }
            if round.count % 2 == 1 { winners.append(round.last!) }
            round = winners
        } while self == .tournament && round.count > 1
        return result
    }
}
