import Foundation
import Model
import Preference
import Tokenizer

/// A trained reward model as a judge: each (prompt, completion) is encoded as preference pairs are (the prompt
/// and the completion separately, EOS appended to the completion), scored at its last token, `batchSize`
/// sequences a forward pass.
///
/// A text longer than the model's context loses tokens from the front of its prompt, then of its completion, so
/// the EOS the reward is read at always stays.
public struct RewardModelJudge: Judge {
    public let name: String
    private let scorer: Scorer
    public let batchSize: Int

    /// A directory `RewardModel.save` wrote, with its `tokenizer.json`, or a reward run directory (its `final/`).
    public init(directory: URL, batchSize: Int = 16) throws {
        let final = directory.appendingPathComponent("final")
        let modelDirectory = FileManager.default.fileExists(atPath: final.appendingPathComponent("config.json").path) ? final : directory
        scorer = Scorer(model: try RewardModel.load(directory: modelDirectory),
                        tokenizer: try BPETokenizer.load(directory: modelDirectory))
        name = "reward_model:\(directory.lastPathComponent)"
        self.batchSize = max(1, batchSize)
    }

    public func scores(prompts: [String], completions: [String]) -> [Double] {
        precondition(prompts.count == completions.count, "one completion per prompt")
        let encoded = zip(prompts, completions).map { scorer.encode(prompt: $0, completion: $1) }
        var scores: [Double] = []
        var start = 0
        while start < encoded.count {
            scores += scorer.scores(Array(encoded[start..<min(encoded.count, start + batchSize)]))
            start += batchSize
        }
        return scores
    }

    /// The model behind a lock. `Judge` is `Sendable` (online methods may judge from any thread) but a model
    /// keeps its activations between passes and is not thread-safe, so one pass runs at a time; the tokenizer
    /// is immutable and `Sendable`, and every other access to `model` goes through `lock`.
    private final class Scorer: @unchecked Sendable {
        private let lock = NSLock()
        private let model: RewardModel
        private let encoder: PairEncoder<BPETokenizer>
        private let context: Int

        init(model: RewardModel, tokenizer: BPETokenizer) {
            self.model = model
            encoder = PairEncoder(encoder: tokenizer, chatTemplate: DatasetSettings().chatTemplate)
            context = model.config.maxPositions
        }

        func encode(prompt: String, completion: String) -> (prompt: [Int32], completion: [Int32]) {
            let example = UnpairedExample(prompt: .text(prompt), completion: .text(completion), isDesirable: true,
                                          source: SourceLocation(file: "judge", line: 1))
            // Plain text never fails to encode: only chat messages can disagree with their template.
            guard let ids = try? encoder.encode(example) else { preconditionFailure("plain text did not encode") }
            let overflow = max(0, ids.prompt.count + ids.completion.count - context)
            let fromPrompt = min(overflow, ids.prompt.count)
            return (Array(ids.prompt.dropFirst(fromPrompt)), Array(ids.completion.dropFirst(overflow - fromPrompt)))
        }

        func scores(_ sequences: [(prompt: [Int32], completion: [Int32])]) -> [Double] {
            let batch = RewardBatch(sequences.map { (prompt: $0.prompt, completions: [$0.completion]) })
            return lock.withLock {
                do {
                    return try model.scores(batch.packed, rows: batch.rows).map(Double.init)
                } catch {
                    // The tokenizer's ids are in the vocabulary and lengths were cut to the context above.
                    preconditionFailure("reward model forward failed: \(error)")
                }
            }
        }
    }
}
