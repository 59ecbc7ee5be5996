import Foundation
import Preference
import Tokenizer
import Training

/// One pair as the Data screen shows it: texts, token counts before and after the experiment's truncation.
public struct PairView: Sendable, Equatable {
    public var prompt: String
    public var chosen: String
    public var rejected: String
    /// Token counts as tokenized (completions include their EOS).
    public var promptTokens: Int
    public var chosenTokens: Int
    public var rejectedTokens: Int
    /// Counts after `max_prompt_length` / `max_length`; nil when the pair is dropped (its prompt fills max_length).
    public var kept: (prompt: Int, chosen: Int, rejected: Int)?
    /// Characters of each text that survive truncation, where known (the rest is drawn dimmed).
    public var keptCharacters: (prompt: Int?, chosen: Int?, rejected: Int?) = (nil, nil, nil)
    /// The prompt lost its start (`keep_end`), not its end.
    public var promptCutAtStart = false
    public var source: String
    /// The judge and scores of a generated pair (`generated_pairs.jsonl`), which training does not read.
    public var annotation: PairAnnotation?
    /// Lowercased texts, searched by `/`.
    public var searchText: String

    public init(prompt: String, chosen: String, rejected: String, promptTokens: Int, chosenTokens: Int, rejectedTokens: Int,
                kept: (prompt: Int, chosen: Int, rejected: Int)?, source: String) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.promptTokens = promptTokens
        self.chosenTokens = chosenTokens
        self.rejectedTokens = rejectedTokens
        self.kept = kept
        self.source = source
        searchText = (prompt + "\n" + chosen + "\n" + rejected).lowercased()
    }

    public static func == (a: PairView, b: PairView) -> Bool {
        a.prompt == b.prompt && a.chosen == b.chosen && a.rejected == b.rejected && a.source == b.source
            && a.promptTokens == b.promptTokens && a.chosenTokens == b.chosenTokens && a.rejectedTokens == b.rejectedTokens
            && a.annotation == b.annotation && a.kept?.prompt == b.kept?.prompt && a.kept?.chosen == b.kept?.chosen && a.kept?.rejected == b.kept?.rejected
    }

    public var isTruncated: Bool {
        guard let kept else { return true }
        return kept.prompt < promptTokens || kept.chosen < chosenTokens || kept.rejected < rejectedTokens
    }
}

/// A dataset as the Data screen shows it.
public struct DataSnapshot: Sendable, Equatable {
    public var name: String
    public var pairs: [PairView]
    public var statistics: DatasetStatistics?
    /// "tokens" or "bytes".
    public var unit: String
    public var tokenizer: String
    public var problems: [String]

    public init(name: String, pairs: [PairView], statistics: DatasetStatistics?, unit: String, tokenizer: String, problems: [String] = []) {
        self.name = name
        self.pairs = pairs
        self.statistics = statistics
        self.unit = unit
        self.tokenizer = tokenizer
        self.problems = problems
    }

    /// Pairs and statistics from records, counted with `encoder` and fitted to `truncation`; `annotations` (by the
    /// records' line) are shown beside the pairs.
    public static func make(
        name: String, records: [PreferenceRecord], format: RecordFormat?, problems: [DataProblem] = [], encoder: some TokenEncoder,
        decode: (([Int32]) -> String)?, unit: String, tokenizer: String, truncation: TruncationSettings,
        annotations: [Int: PairAnnotation] = [:]
    ) -> DataSnapshot {
        let settings = DatasetSettings(format: format, onError: .skip, truncation: .none)
        let dataset = (try? PreferenceDataset.tokenize(records, file: name, format: format, earlierProblems: problems,
                                                       encoder: encoder, settings: settings))
        var bySource: [String: TokenizedPair] = [:]
        for pair in dataset?.pairs ?? [] { bySource[pair.source.description] = pair }
        var unpairedBySource: [String: TokenizedExample] = [:]
        for example in dataset?.unpaired ?? [] { unpairedBySource[example.source.description] = example }
        var views: [PairView] = []
        for record in records {
            switch record {
            case .pair(let pair):
                guard let tokens = bySource[pair.source.description] else { continue }
                var pairView = view(prompt: text(pair.prompt, system: pair.system), chosen: text(pair.chosen), rejected: text(pair.rejected),
                                    tokens: (tokens.prompt, tokens.chosen, tokens.rejected), source: pair.source.description,
                                    truncation: truncation, decode: decode)
                pairView.annotation = annotations[pair.source.line]
                views.append(pairView)
            case .unpaired(let example):
                guard let tokens = unpairedBySource[example.source.description] else { continue }
                let completion = text(example.completion)
                views.append(view(prompt: text(example.prompt, system: example.system), chosen: example.isDesirable ? completion : "",
                                  rejected: example.isDesirable ? "" : completion,
                                  tokens: (tokens.prompt, example.isDesirable ? tokens.completion : [], example.isDesirable ? [] : tokens.completion),
                                  source: example.source.description, truncation: truncation, decode: decode))
            }
        }
        let statistics = dataset.map {
            DatasetStatistics.compute(pairs: $0.pairs, unpaired: $0.unpaired, file: name, format: format, unit: unit,
                                      tokenizer: tokenizer, truncation: truncation, problems: $0.report.skipped)
        }
        return DataSnapshot(name: name, pairs: views, statistics: statistics, unit: unit, tokenizer: tokenizer,
                            problems: (dataset?.report.skipped ?? problems).map(\.description))
    }

    private static func view(
        prompt: String, chosen: String, rejected: String, tokens: ([Int32], [Int32], [Int32]), source: String,
        truncation: TruncationSettings, decode: (([Int32]) -> String)?
    ) -> PairView {
        var view = PairView(prompt: prompt, chosen: chosen, rejected: rejected, promptTokens: tokens.0.count,
                            chosenTokens: tokens.1.count, rejectedTokens: tokens.2.count, kept: nil, source: source)
        if case .success(let fitted) = truncation.apply(prompt: tokens.0, completions: [tokens.1, tokens.2]) {
            view.kept = (fitted.prompt.count, fitted.completions[0].count, fitted.completions[1].count)
            if let decode {
                if fitted.prompt.count < tokens.0.count {
                    view.keptCharacters.prompt = min(prompt.count, decode(fitted.prompt).count)
                    view.promptCutAtStart = truncation.mode == .keepEnd
                }
                if fitted.completions[0].count < tokens.1.count { view.keptCharacters.chosen = min(chosen.count, decode(fitted.completions[0]).count) }
                if fitted.completions[1].count < tokens.2.count { view.keptCharacters.rejected = min(rejected.count, decode(fitted.completions[1]).count) }
            }
        }
        return view
    }

    /// A segment as text: plain, or each message as `[role] content`.
    public static func text(_ segment: Segment, system: String? = nil) -> String {
        let body: String
        switch segment {
        case .text(let text): body = text
        case .messages(let messages): body = messages.map { "[\($0.role)] \($0.content)" }.joined(separator: "\n")
        }
        return system.map { "[system] \($0)\n" + body } ?? body
    }
}

/// Loads the experiment's dataset (or another preference file) on a background thread: records, the tokenizer a
/// run would use (for `builtin:tiny`, the BPE trained on the task's text, as the run trains it), token counts,
/// statistics.
public enum DataLoader {
    /// `file`, when given, is shown instead of the experiment's dataset (`snapshot(file:experiment:progress:)`).
    public static func load(_ experiment: Experiment, file: String? = nil, generation: Int, events: EventQueue) {
        let thread = Thread {
            do {
                let progress = { events.push(.dataProgress(generation: generation, $0)) }
                let loaded = try file.map { try snapshot(file: $0, experiment: experiment, progress: progress) }
                    ?? snapshot(experiment, progress: progress)
                events.push(.dataLoaded(generation: generation, loaded))
            } catch {
                events.push(.dataFailed(generation: generation, "\(error)"))
            }
        }
        thread.name = "dpo-data"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The Data screen's view of `experiment`, through the same `ExperimentResolution` a run uses: its records,
    /// its tokenizer (for `builtin:tiny` the cached vocabulary the run will share), its truncation. A model
    /// directory without a tokenizer is counted in UTF-8 bytes.
    public static func snapshot(_ experiment: Experiment, progress: (String) -> Void) throws -> DataSnapshot {
        let resolution = ExperimentResolution(experiment)
        progress(experiment.dataset.hasPrefix("builtin:")
            ? "generating \(experiment.builtinTrainPairs) pairs of \(experiment.dataset)…" : "reading \(experiment.dataset)…")
        let read = try resolution.trainingRecords()
        let resolved = experiment.model == "builtin:tiny" ? try resolution.tokenizer(records: read, progress: progress) : try? resolution.tokenizer()
        return make(experiment.dataset, read, resolution, tokenizer: resolved.map { ($0.tokenizer, $0.origin) },
                    bytesBecause: "no tokenizer found in \(experiment.model)", annotations: [:], progress: progress)
    }

    /// The Data screen's view of a preference file that is not the experiment's dataset, such as a run's
    /// `generated_pairs.jsonl`: cut with the truncation of the run it sits in (its `config.yaml`), else the
    /// experiment's; counted with that run's own tokenizer, else the model's, else in bytes (never a `builtin:tiny`
    /// vocabulary trained on the file, which no run used); with each pair's judge and scores.
    public static func snapshot(file: String, experiment: Experiment, progress: (String) -> Void) throws -> DataSnapshot {
        let url = URL(fileURLWithPath: file)
        let run = RunDirectory(url: url.deletingLastPathComponent())
        var settings = (try? run.readConfig()) ?? experiment
        settings.dataset = file
        let resolution = ExperimentResolution(settings)
        progress("reading \(file)…")
        let read = try resolution.trainingRecords()
        let tokenizer = (try? BPETokenizer.load(directory: run.tokenizerURL)).map { ($0, "the tokenizer of run \(run.id)") }
            ?? (settings.model == "builtin:tiny" ? nil : (try? resolution.tokenizer()).map { ($0.tokenizer, $0.origin) })
        return make(file, read, resolution, tokenizer: tokenizer, bytesBecause: "no tokenizer beside the file or in \(settings.model)",
                    annotations: PairAnnotation.read(contentsOf: url), progress: progress)
    }

    private static func make(
        _ name: String, _ read: ExperimentResolution.Records, _ resolution: ExperimentResolution, tokenizer: (BPETokenizer, String)?,
        bytesBecause: String, annotations: [Int: PairAnnotation], progress: (String) -> Void
    ) -> DataSnapshot {
        func make(_ encoder: some TokenEncoder, decode: @escaping ([Int32]) -> String, unit: String, tokenizer: String) -> DataSnapshot {
            DataSnapshot.make(name: name, records: read.records, format: read.format, problems: read.problems, encoder: encoder,
                              decode: decode, unit: unit, tokenizer: tokenizer, truncation: resolution.truncation, annotations: annotations)
        }
        if let (bpe, origin) = tokenizer {
            progress("counting tokens…")
            return make(bpe, decode: { bpe.decode($0, skipSpecialTokens: true) }, unit: "tokens", tokenizer: origin)
        }
        return make(ByteEncoder(), decode: { String(decoding: $0.filter { $0 < 256 }.map { UInt8($0) }, as: UTF8.self) }, unit: "bytes",
                    tokenizer: "UTF-8 bytes: \(bytesBecause)")
    }
}
