import Foundation
import Tokenizer

/// What a bad record does to a run.
public enum OnError: String, Sendable, Hashable, CaseIterable {
    /// Stop: the first problem is reported with a count of the others. The default, because training on a
    /// silently thinned dataset is worse than not training.
    case fail
    /// Leave bad records out and report each one.
    case skip
}

/// Everything that decides how a file becomes token ids; the defaults are TRL's.
public struct DatasetSettings: Sendable, Hashable {
    /// Nil: detect from the first record.
    public var format: RecordFormat?
    /// Nil: detect from the first character.
    public var layout: FileLayout?
    public var onError: OnError
    /// Used only for records made of chat messages.
    public var chatTemplate: ChatTemplate
    public var truncation: TruncationSettings

    public init(
        format: RecordFormat? = nil, layout: FileLayout? = nil, onError: OnError = .fail,
        chatTemplate: ChatTemplate = .chatML(defaultSystem: nil), truncation: TruncationSettings = TruncationSettings()
    ) {
        self.format = format
        self.layout = layout
        self.onError = onError
        self.chatTemplate = chatTemplate
        self.truncation = truncation
    }
}

/// What loading did to a file, to be shown to the user with every run that uses it.
public struct DatasetReport: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let format: RecordFormat?
    /// Records that parsed and tokenized, before any was dropped for length.
    public let recordsRead: Int
    public let kept: Int
    /// Where each kept record that lost tokens to the limits came from.
    public let truncatedAt: [SourceLocation]
    public var truncated: Int { truncatedAt.count }
    /// Records whose prompt left no room for a completion under `max_length`.
    public let dropped: Int
    /// Every record left out, with the reason (the dropped ones included); empty unless `OnError.skip`.
    public let skipped: [DataProblem]

    public var description: String {
        let format = format.map { " (\($0))" } ?? ""
        return "\(file)\(format): \(kept) kept, \(truncated) truncated, \(dropped) dropped for length, "
            + "\(skipped.count) skipped"
    }
}

/// A file's records as token ids, ready for batching.
public struct TokenizedDataset: Sendable {
    /// Empty for unpaired files.
    public let pairs: [TokenizedPair]
    /// Empty for paired files.
    public let unpaired: [TokenizedExample]
    public let report: DatasetReport
}

/// Loading stopped at a problem (`OnError.fail`), or the file itself is unusable.
public struct DataLoadError: Error, Sendable, CustomStringConvertible {
    public let first: DataProblem
    /// Problems after the first one.
    public let others: Int

    public var description: String {
        guard others > 0 else { return first.description }
        return "\(first)\n… and \(others) more problem\(others == 1 ? "" : "s"): `dpo data validate` lists them all, "
            + "`--on-error skip` leaves those records out"
    }
}

/// Loading a preference file into tokenized pairs: the entry point a trainer calls.
public enum PreferenceDataset {
    public static func load(
        contentsOf url: URL, encoder: some TokenEncoder, settings: DatasetSettings = DatasetSettings()
    ) throws(DataLoadError) -> TokenizedDataset {
        let file: RecordFile
        do {
            file = try RecordLoader.load(contentsOf: url, format: settings.format, layout: settings.layout)
        } catch {
            throw DataLoadError(first: error, others: 0)
        }
        return try tokenize(
            file.records, file: file.file, format: file.format, earlierProblems: file.problems, encoder: encoder,
            settings: settings)
    }

    /// Tokenizes and fits records (from a file or a built-in task) and applies `settings.onError`.
    public static func tokenize(
        _ records: [PreferenceRecord], file: String, format: RecordFormat?, earlierProblems: [DataProblem] = [],
        encoder: some TokenEncoder, settings: DatasetSettings
    ) throws(DataLoadError) -> TokenizedDataset {
        let pairEncoder = PairEncoder(encoder: encoder, chatTemplate: settings.chatTemplate)
        var problems = earlierProblems
        var pairs: [TokenizedPair] = []
        var unpaired: [TokenizedExample] = []
        var truncatedAt: [SourceLocation] = []
        var dropped = 0
        for record in records {
            do {
                switch record {
                case .pair(let pair):
                    let full = try pairEncoder.encode(pair)
                    let fitted = try fit(full.prompt, [full.chosen, full.rejected], settings.truncation, full.source)
                    if fitted.wasTruncated { truncatedAt.append(full.source) }
                    pairs.append(
                        TokenizedPair(
                            prompt: fitted.prompt, chosen: fitted.completions[0], rejected: fitted.completions[1],
                            source: full.source))
                case .unpaired(let example):
                    let full = try pairEncoder.encode(example)
                    let fitted = try fit(full.prompt, [full.completion], settings.truncation, full.source)
                    if fitted.wasTruncated { truncatedAt.append(full.source) }
                    unpaired.append(
                        TokenizedExample(
                            prompt: fitted.prompt, completion: fitted.completions[0], isDesirable: full.isDesirable,
                            source: full.source))
                }
            } catch {
                if error.kind == .promptTooLong { dropped += 1 }
                problems.append(error)
            }
        }
        problems.sort { ($0.line ?? 0) < ($1.line ?? 0) }
        if settings.onError == .fail, let first = problems.first {
            throw DataLoadError(first: first, others: problems.count - 1)
        }
        let report = DatasetReport(
            file: file, format: format, recordsRead: pairs.count + unpaired.count + dropped,
            kept: pairs.count + unpaired.count, truncatedAt: truncatedAt, dropped: dropped, skipped: problems)
        return TokenizedDataset(pairs: pairs, unpaired: unpaired, report: report)
    }

    private static func fit(
        _ prompt: [Int32], _ completions: [[Int32]], _ truncation: TruncationSettings, _ source: SourceLocation
    ) throws(DataProblem) -> Truncated {
        switch truncation.apply(prompt: prompt, completions: completions) {
        case .success(let fitted): return fitted
        case .failure(let drop):
            throw DataProblem(
                kind: .promptTooLong, file: source.file, line: source.line, field: "prompt", detail: drop.description)
        }
    }
}
