import Determinism
import Foundation
import Model
import Preference
import Tokenizer

/// The one path from an experiment to what uses it: its data files checked, its training records, the tokenizer
/// a run uses, the tokenized pairs, the starting model. `TrainingSession` (so `dpo train`, `dpo sweep` and the
/// workbench's launcher) and the workbench's Data screen go through it, so the screen shows the tokens a run trains on.
///
/// `builtin:tiny`'s vocabulary is trained on the experiment's texts once per corpus and size and kept under
/// `output_dir/.tokenizer-cache/<hash>/`, like the SFT model: the Data screen, the runs it starts and every run
/// of a sweep share it.
public struct ExperimentResolution: Sendable {
    public let experiment: Experiment

    public init(_ experiment: Experiment) { self.experiment = experiment }

    /// A tokenizer and where it came from, for the run's log and the Data screen.
    public struct ResolvedTokenizer: Sendable {
        public let tokenizer: BPETokenizer
        public let origin: String
    }

    public var truncation: TruncationSettings {
        TruncationSettings(maxLength: experiment.maxLength, maxPromptLength: experiment.maxPromptLength,
                           mode: TruncationMode(rawValue: experiment.truncationMode) ?? .keepEnd)
    }

    /// The built-in task the dataset names, if it names one.
    public func builtinTask() throws -> (any BuiltinTask)? {
        guard experiment.dataset.hasPrefix("builtin:") else { return nil }
        let name = String(experiment.dataset.dropFirst("builtin:".count))
        guard let task = BuiltinTasks.named(name, seed: UInt64(experiment.seed)) else {
            throw ExperimentError(key: "dataset", "no built-in task '\(name)' (there are \(BuiltinTasks.names.joined(separator: ", ")))")
        }
        return task
    }

    /// Fails before any work when a data file the experiment names is missing, naming the key.
    public func checkFiles() throws {
        let files = [("dataset", experiment.dataset.hasPrefix("builtin:") ? nil : experiment.dataset), ("eval_dataset", experiment.evalDataset)]
        for case let (key, path?) in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw ExperimentError(key: key, "no such file \(URL(fileURLWithPath: path).path)")
            }
        }
        if let checkpoint = experiment.initFrom {
            let weights = experiment.lora == nil ? "model.safetensors" : "adapter/adapter_model.safetensors"
            guard FileManager.default.fileExists(atPath: URL(fileURLWithPath: checkpoint).appendingPathComponent(weights).path) else {
                throw ExperimentError(key: "init_from", "\(URL(fileURLWithPath: checkpoint).path) holds no \(weights): name a run's checkpoints/step-N folder")
            }
        }
    }

    /// Records as read, before tokenization.
    public struct Records: Sendable {
        public let records: [PreferenceRecord]
        /// Nil for a built-in task (its records are made, not detected).
        public let format: RecordFormat?
        /// Bad records of a file, left out of `records`.
        public let problems: [DataProblem]
    }

    /// The records a run trains on, as read: a built-in task's training split, or the dataset file with its format
    /// and the problems of its bad records.
    public func trainingRecords() throws -> Records {
        if let task = try builtinTask() {
            return Records(records: task.records(.train, count: experiment.builtinTrainPairs), format: nil, problems: [])
        }
        let file = try RecordLoader.load(contentsOf: URL(fileURLWithPath: experiment.dataset), format: nil, layout: nil)
        return Records(records: file.records, format: file.format, problems: file.problems)
    }

    /// The tokenizer a run uses: `builtin:tiny`'s BPE (from the cache, or trained and cached), else the model
    /// directory's own.
    /// `records`, when the caller has read them already, spare reading the dataset again for the vocabulary.
    public func tokenizer(records: Records? = nil, progress: (String) -> Void = { _ in }) throws -> ResolvedTokenizer {
        guard experiment.model == "builtin:tiny" else {
            return ResolvedTokenizer(tokenizer: try BPETokenizer.load(directory: try experiment.modelDirectory()),
                                     origin: "the tokenizer of \(experiment.model)")
        }
        let corpus = try tokenizerCorpus(records: records)
        let size = experiment.tinyModel.vocabSize
        let key = Self.tokenizerKey(corpus: corpus, vocabularySize: size)
        let cached = URL(fileURLWithPath: experiment.outputDir).appendingPathComponent(".tokenizer-cache")
            .appendingPathComponent(key).appendingPathComponent("tokenizer.json")
        if let tokenizer = try? BPETokenizer(contentsOf: cached) {
            return ResolvedTokenizer(tokenizer: tokenizer, origin: "builtin:tiny's \(tokenizer.vocabularySize)-token BPE (cache \(key))")
        }
        progress("training the \(size)-token BPE vocabulary builtin:tiny will use…")
        let started = Date()
        let tokenizer = BPETokenizer.train(corpus: corpus, vocabularySize: size, specialTokens: ["<|endoftext|>"])
        try FileManager.default.createDirectory(at: cached.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(tokenizer.tokenizerJSON().utf8), to: cached)
        return ResolvedTokenizer(tokenizer: tokenizer, origin: String(
            format: "builtin:tiny's %d-token BPE, trained on %d texts in %.1f s (cached as %@)",
            tokenizer.vocabularySize, corpus.count, Date().timeIntervalSince(started), key))
    }

    /// The texts `builtin:tiny`'s vocabulary is trained on: the task's SFT corpus and pairs, or a file's records.
    public func tokenizerCorpus(records: Records? = nil) throws -> [String] {
        if let task = try builtinTask() {
            return task.sftCorpus(count: 4000) + task.pairs(.train, count: min(1000, experiment.builtinTrainPairs)).flatMap(\.texts)
        }
        return try (records ?? trainingRecords()).records.flatMap { record -> [String] in
            switch record {
            case .pair(let pair): return pair.texts
            case .unpaired(let example): return [example.prompt.plainText, example.completion.plainText]
            }
        }
    }

    /// The pairs a run trains and evaluates on, tokenized with `tokenizer` and the experiment's limits.
    func data(tokenizer: BPETokenizer) throws -> TrainingData {
        try TrainingData(experiment: experiment, task: builtinTask(), tokenizer: tokenizer, settings: DatasetSettings(truncation: truncation))
    }

    /// The model a run starts from before SFT: the experiment's model directory (or GGUF file), or a new
    /// `builtin:tiny` of the experiment's sizes, initialized from its seed, with a context long enough for its pairs
    /// and samples.
    func startingModel(tokenizer: BPETokenizer) throws -> Transformer {
        guard experiment.model == "builtin:tiny" else { return try Transformer.load(directory: try experiment.modelDirectory()) }
        let tiny = experiment.tinyModel
        let generated = max(experiment.samples.maxNewTokens, experiment.online.enabled ? experiment.online.maxNewTokens : 0,
                            experiment.rso.enabled ? experiment.rso.maxNewTokens : 0, experiment.sppoEnabled ? experiment.sppo.maxNewTokens : 0)
        let config = TransformerConfig(
            vocabSize: tokenizer.vocabularySize, hiddenSize: tiny.hiddenSize, intermediateSize: tiny.intermediateSize,
            layers: tiny.layers, heads: tiny.heads, rmsNormEps: 1e-5, ropeTheta: 10_000, tieWordEmbeddings: true,
            maxPositions: max(experiment.maxLength, experiment.maxPromptLength + generated) + 1,
            bosTokenId: nil, eosTokenId: tokenizer.eosTokenId.map(Int.init))
        let model = try Transformer(config: config)
        model.initializeRandom(seed: UInt64(experiment.seed))
        return model
    }

    /// The cache key of a trained vocabulary: the trainer's version, the size and every text, in order.
    static func tokenizerKey(corpus: [String], vocabularySize: Int) -> String {
        var hash = StableHash()
        hash.combine("bpe-trainer-1")
        hash.combine(vocabularySize)
        hash.combine(corpus.count)
        for text in corpus { hash.combine(text) }
        return hash.hex
    }
}

extension PreferencePair {
    var texts: [String] { [prompt.plainText, chosen.plainText, rejected.plainText] }
}

extension Segment {
    /// The words of a segment, for training a vocabulary.
    var plainText: String {
        switch self {
        case .text(let text): text
        case .messages(let messages): messages.map(\.content).joined(separator: "\n")
        }
    }
}
