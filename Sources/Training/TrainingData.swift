import Determinism
import Foundation
import Kernels
import Preference
import Tokenizer

/// The pairs a run trains and evaluates on, tokenized with the run's tokenizer and limits, and the prompts it
/// samples from. A built-in task brings its own held-out split and ground-truth reward; a file is split by
/// `eval_dataset` or `eval_fraction`. For KTO the rows are unpaired completions (`KTOExamples`).
struct TrainingData {
    let train: [TokenizedPair]
    let eval: [TokenizedPair]
    /// For KTO: whether each row of `train` / `eval` is desirable (its `chosen` is the completion, its `rejected`
    /// the mismatched completion of the KL term; see `KTOExamples`). Nil for paired losses.
    let trainLabels: [Bool]?
    let evalLabels: [Bool]?
    /// TRL's class-balance advice, when it applies.
    let warning: String?
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
            let texts = task.prompts(.heldOut, count: min(experiment.samples.prompts, eval.pairs.count))
            try self.init(experiment: experiment, task: task, train: train.pairs, trainUnpaired: [], eval: eval.pairs, evalUnpaired: [],
                      samplePrompts: zip(eval.pairs, texts).map { (tokens: $0.prompt, text: $1) },
                      description: "built-in task \(experiment.dataset.dropFirst("builtin:".count)): \(task.summary)")
        } else {
            let loaded = try PreferenceDataset.load(contentsOf: URL(fileURLWithPath: experiment.dataset), encoder: tokenizer,
                                                    settings: settings)
            let kto = experiment.loss.lossTypes.contains(.kto)
            guard !loaded.pairs.isEmpty || (kto && !loaded.unpaired.isEmpty) else {
                throw ExperimentError(key: "dataset", "\(experiment.dataset) has no preference pairs" + (kto ? " and no labelled completions" : ""))
            }
            var train = loaded.pairs, trainUnpaired = loaded.unpaired
            var eval: [TokenizedPair] = [], evalUnpaired: [TokenizedExample] = []
            var description = loaded.report.description
            if let evalFile = experiment.evalDataset {
                let held = try PreferenceDataset.load(contentsOf: URL(fileURLWithPath: evalFile), encoder: tokenizer, settings: settings)
                eval = held.pairs
                evalUnpaired = held.unpaired
                description += "; eval: \(held.report)"
            } else if experiment.evalFraction > 0 {
                (train, eval) = Self.holdOut(train, experiment)
                (trainUnpaired, evalUnpaired) = Self.holdOut(trainUnpaired, experiment)
            }
            let prompts = eval.map(\.prompt) + evalUnpaired.map(\.prompt)
            try self.init(experiment: experiment, task: nil, train: train, trainUnpaired: trainUnpaired, eval: eval, evalUnpaired: evalUnpaired,
                      samplePrompts: prompts.prefix(experiment.samples.prompts).map { (tokens: $0, text: tokenizer.decode($0)) },
                      description: description)
        }
    }

    /// The rows as the loss takes them: pairs, or for KTO the unpaired view of pairs and labelled completions.
    private init(experiment: Experiment, task: (any BuiltinTask)?, train: [TokenizedPair], trainUnpaired: [TokenizedExample],
                 eval: [TokenizedPair], evalUnpaired: [TokenizedExample], samplePrompts: [(tokens: [Int32], text: String)],
                 description: String) throws {
        self.task = task
        self.samplePrompts = samplePrompts
        if experiment.loss.lossTypes.contains(.kto) {
            let train = KTOExamples(pairs: train, unpaired: trainUnpaired, klBlock: experiment.batchSize)
            let eval = KTOExamples(pairs: eval, unpaired: evalUnpaired, klBlock: experiment.batchSize)
            self.train = train.pairs
            self.eval = eval.pairs
            trainLabels = train.desirable
            evalLabels = eval.desirable
            warning = train.balanceWarning(desirableWeight: experiment.loss.desirableWeight, undesirableWeight: experiment.loss.undesirableWeight)
            self.description = description + "; kto: \(train.desirable.filter { $0 }.count) desirable, \(train.desirable.filter { !$0 }.count) undesirable"
        } else {
            self.train = train
            self.eval = eval
            trainLabels = nil
            evalLabels = nil
            warning = nil
            self.description = description
        }
        guard !self.train.isEmpty else { throw ExperimentError(key: "dataset", "no training pairs left after the held-out split") }
    }

    /// Rows split by `eval_fraction`, seeded by the experiment.
    private static func holdOut<Row>(_ rows: [Row], _ experiment: Experiment) -> (train: [Row], eval: [Row]) {
        guard !rows.isEmpty else { return ([], []) }
        var generator = SeededGenerator(seed: UInt64(experiment.seed) ^ 0xE7A1)
        let shuffled = rows.shuffled(using: &generator)
        let held = max(1, Int((Double(rows.count) * experiment.evalFraction).rounded()))
        return (Array(shuffled.dropFirst(held)), Array(shuffled.prefix(held)))
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
        // For KTO only the desirable completions: an undesirable one is not a demonstration.
        return train.indices.filter { trainLabels?[$0] ?? true }.map { index in
            let pair = train[index]
            return SFTStage.Example(tokens: pair.prompt + pair.chosen,
                                    targetMask: Array(repeating: false, count: pair.prompt.count) + Array(repeating: true, count: pair.chosen.count))
        }
    }
}
