import Foundation
import Model
import Preference
import Tokenizer

/// A DPO policy's implicit reward (Rafailov et al. 2023, §5): β · (log π(y|x) − log π_ref(y|x)), the reward under
/// which the trained policy is optimal, read off a finished run: its `final/` model, its reference (the run's SFT
/// model, else the model it started from) and its β. Its win probabilities are Bradley–Terry on these rewards,
/// exactly the preference model DPO fitted.
///
/// Completions arrive as text and are tokenized as a dataset's plain-text completions (EOS appended).
public final class ImplicitRewardJudge: Judge, @unchecked Sendable {
    public let name: String
    public let beta: Double
    private let policy: Transformer
    private let reference: Transformer
    private let tokenizer: BPETokenizer
    /// The models are not thread-safe (`Transformer`): one scoring at a time.
    private let lock = NSLock()
    private let batchSize = 16

    public init(run url: URL) throws {
        let run = RunDirectory(url: url)
        let experiment = try run.readConfig()
        guard FileManager.default.fileExists(atPath: run.finalURL.appendingPathComponent("config.json").path) else {
            throw TrainingError("\(url.path) has no final model yet (final/config.json): an implicit reward needs a finished run")
        }
        policy = try Transformer.load(directory: run.finalURL)
        let hasSFT = FileManager.default.fileExists(atPath: run.sftURL.appendingPathComponent("config.json").path)
        reference = try Transformer.load(directory: hasSFT ? run.sftURL : try experiment.modelDirectory())
        tokenizer = try BPETokenizer(contentsOf: run.finalURL.appendingPathComponent("tokenizer.json"))
        beta = experiment.loss.beta
        name = "implicit_reward:\(url.lastPathComponent)"
    }

    public func scores(prompts: [String], completions: [String]) throws -> [Double] {
        let eos = tokenizer.eosTokenId.map { [$0] } ?? []
        let prompts = prompts.map { tokenizer.encode($0) }
        let completions = completions.map { tokenizer.encode($0) + eos }
        // A pair batch scores two completions of one prompt per row: consecutive completions of the same prompt
        // share a row (the online methods pass each prompt's completions together), any other goes in twice.
        var rows: [(pair: TokenizedPair, indices: [Int])] = []
        var i = 0
        while i < completions.count {
            let next = i + 1 < completions.count && prompts[i + 1] == prompts[i] ? i + 1 : i
            rows.append((TokenizedPair(prompt: prompts[i], chosen: completions[i], rejected: completions[next],
                                       source: SourceLocation(file: name, line: i + 1)), next == i ? [i] : [i, next]))
            i = next + 1
        }
        lock.lock()
        defer { lock.unlock() }
        let pairs = rows.map(\.pair)
        let policySums = try completionSums(model: policy, pairs: pairs, batchSize: batchSize)
        let referenceSums = try completionSums(model: reference, pairs: pairs, batchSize: batchSize)
        var scores = [Double](repeating: 0, count: completions.count)
        for (row, (policy, reference)) in zip(rows, zip(policySums, referenceSums)) {
            scores[row.indices[0]] = beta * (policy.chosen - reference.chosen)
            if row.indices.count == 2 { scores[row.indices[1]] = beta * (policy.rejected - reference.rejected) }
        }
        return scores
    }
}
