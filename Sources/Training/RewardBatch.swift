import Model
import Preference

/// Sequences packed for a reward model: each prompt once, with its completions as spans that see the prompt but
/// not each other, every token a row, so that each completion's last token (its EOS, as pairs are encoded) is
/// where its reward is read. For pairs, the chosen and rejected completions of a prompt share it.
public struct RewardBatch: Sendable {
    public let packed: PackedBatch
    /// The row of each completion's last token, in the order the completions were given.
    public let rows: [Int32]

    /// Completions after their prompts: `groups[i].completions` all follow `groups[i].prompt`.
    public init(_ groups: [(prompt: [Int32], completions: [[Int32]])]) {
        var packed = PackedBatch()
        var rows: [Int32] = []
        for group in groups { rows += packed.appendWhole(prompt: group.prompt, completions: group.completions) }
        self.packed = packed
        self.rows = rows
    }

    /// Pairs; the rewards come back chosen, rejected, chosen, rejected, … (see `split`).
    public init(pairs: [TokenizedPair]) {
        self.init(pairs.map { (prompt: $0.prompt, completions: [$0.chosen, $0.rejected]) })
    }

    /// The rewards of a pair batch as chosen and rejected.
    public static func split(_ rewards: [Float]) -> (chosen: [Double], rejected: [Double]) {
        (stride(from: 0, to: rewards.count, by: 2).map { Double(rewards[$0]) },
         stride(from: 1, to: rewards.count, by: 2).map { Double(rewards[$0]) })
    }

    /// Per-reward gradients of a pair batch, interleaved as the rewards are.
    public static func interleave(dChosen: [Double], dRejected: [Double]) -> [Float] {
        zip(dChosen, dRejected).flatMap { [Float($0), Float($1)] }
    }
}

extension RewardModel {
    /// Rewards of every pair, `batchSize` pairs a forward pass.
    public func rewards(pairs: [TokenizedPair], batchSize: Int) throws -> (chosen: [Double], rejected: [Double]) {
        var chosen: [Double] = [], rejected: [Double] = []
        var start = 0
        while start < pairs.count {
            let batch = RewardBatch(pairs: Array(pairs[start..<min(pairs.count, start + batchSize)]))
            let split = RewardBatch.split(try scores(batch.packed, rows: batch.rows))
            chosen += split.chosen
            rejected += split.rejected
            start += batchSize
        }
        return (chosen, rejected)
    }
}
