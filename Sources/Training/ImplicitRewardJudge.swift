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
        lock.lock()
        defer { lock.unlock() }
        let underPolicy = try completionLogProbs(model: policy, prompts: prompts, completions: completions,
                                                 batchSize: batchSize)
        let underReference = try completionLogProbs(model: reference, prompts: prompts, completions: completions,
                                                    batchSize: batchSize)
        return zip(underPolicy, underReference).map { beta * ($0 - $1) }
    }
}
