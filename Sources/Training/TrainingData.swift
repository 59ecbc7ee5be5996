import Determinism
import Foundation
import Kernels
import Preference
import Tokenizer

/// The pairs a run trains and evaluates on, tokenized with the run's tokenizer and limits, and the prompts it
/// samples from. A built-in task brings its own held-out split and ground-truth reward; a file is split by
/// `eval_dataset` or `eval_fraction`.
struct TrainingData {
    let train: [TokenizedPair]
    let eval: [TokenizedPair]
    let task: (any BuiltinTask)?
    /// Held-out prompts for samples: tokens as the model sees them, text for people and for the reward.
    let samplePrompts: [(tokens: [Int32], text: String)]
    let description: String

    init(experiment: Experiment, task: (any BuiltinTask)?, tokenizer: BPETokenizer, settings: DatasetSettings) throws {
        if let task {
            let train = try PreferenceDataset.tokenize(task.records(.train, count: experiment.builtinTrainPairs),
                                                       file: experiment.dataset, format: nil, encoder: tokenizer, settings: settings)
            let eval = try PreferenceDataset.tokenize(task.records(.heldOut, count: experiment.builtinEvalPairs),
                                                      file: experiment.dataset, format: nil, encoder: tokenizer, settings: settings)
            self.train = train.pairs
            self.eval = eval.pairs
            self.task = task
            let texts = task.prompts(.heldOut, count: min(experiment.samples.prompts, eval.pairs.count))
            samplePrompts = zip(eval.pairs, texts).map { (tokens: $0.prompt, text: $1) }
            description = "built-in task \(experiment.dataset.dropFirst("builtin:".count)): \(task.summary)"
        } else {
            let loaded = try PreferenceDataset.load(contentsOf: URL(fileURLWithPath: experiment.dataset), encoder: tokenizer,
                                                    settings: settings)
            guard !loaded.pairs.isEmpty else { throw ExperimentError(key: "dataset", "\(experiment.dataset) has no preference pairs") }
            var train = loaded.pairs
            var eval: [TokenizedPair] = []
            var description = loaded.report.description
            if let evalFile = experiment.evalDataset {
                let held = try PreferenceDataset.load(contentsOf: URL(fileURLWithPath: evalFile), encoder: tokenizer, settings: settings)
                eval = held.pairs
                description += "; eval: \(held.report)"
            } else if experiment.evalFraction > 0 {
                var generator = SeededGenerator(seed: UInt64(experiment.seed) ^ 0xE7A1)
                let shuffled = train.shuffled(using: &generator)
                let held = max(1, Int((Double(train.count) * experiment.evalFraction).rounded()))
                eval = Array(shuffled.prefix(held))
                train = Array(shuffled.dropFirst(held))
            }
            self.train = train
            self.eval = eval
            self.task = nil
            samplePrompts = eval.prefix(experiment.samples.prompts).map { (tokens: $0.prompt, text: tokenizer.decode($0.prompt)) }
            self.description = description
        }
        guard !train.isEmpty else { throw ExperimentError(key: "dataset", "no training pairs left after the held-out split") }
    }

    /// SFT sequences: a built-in task's corpus (whole texts, each ending in EOS), or each pair's prompt and chosen
    /// completion with only the completion counted in the loss.
    /// Texts longer than `maxLength` keep their first `maxLength` tokens.
    func sftExamples(tokenizer: BPETokenizer, maxLength: Int) -> [SFTStage.Example] {
        if let task {
            let eos = tokenizer.eosTokenId.map { [$0] } ?? []
            return task.sftCorpus(count: 4000).map { text in
                let tokens = Array((tokenizer.encode(text) + eos).prefix(maxLength))
                return SFTStage.Example(tokens: tokens, targetMask: Array(repeating: true, count: tokens.count))
            }
        }
        return train.map { pair in
            SFTStage.Example(tokens: pair.prompt + pair.chosen,
                             targetMask: Array(repeating: false, count: pair.prompt.count) + Array(repeating: true, count: pair.chosen.count))
        }
    }
}
