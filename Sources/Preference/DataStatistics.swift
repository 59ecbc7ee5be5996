/// The spread of a list of token lengths.
public struct LengthDistribution: Sendable, Hashable {
    public let count: Int
    public let min: Int
    /// Nearest-rank quantiles: each is a length that occurs in the data.
    public let p5: Int
    public let p50: Int
    public let p95: Int
    public let max: Int
    public let mean: Double
    /// Counts of lengths in `binCount` equal bins from `min`, each `binWidth` wide.
    public let histogram: [Int]
    public let binWidth: Int

    public init(_ lengths: [Int], binCount: Int = 10) {
        let sorted = lengths.sorted()
        func quantile(_ q: Double) -> Int {
            sorted.isEmpty ? 0 : sorted[Swift.max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1)]
        }
        count = sorted.count
        min = sorted.first ?? 0
        max = sorted.last ?? 0
        p5 = quantile(0.05)
        p50 = quantile(0.5)
        p95 = quantile(0.95)
        mean = sorted.isEmpty ? 0 : Double(sorted.reduce(0, +)) / Double(sorted.count)
        binWidth = Swift.max(1, (max - min + binCount) / binCount)
        var histogram = Array(repeating: 0, count: sorted.isEmpty ? 0 : (max - min) / binWidth + 1)
        for length in sorted { histogram[(length - min) / binWidth] += 1 }
        self.histogram = histogram
    }
}

/// A named column of lengths: prompt, chosen, rejected (or desirable and undesirable completions).
public struct NamedDistribution: Sendable, Hashable {
    public let name: String
    public let distribution: LengthDistribution
}

/// DPO's length-bias signal: DPO raises the likelihood of whatever separates chosen from rejected, and when
/// chosen is usually longer, length is the easiest thing to learn.
public struct LengthBias: Sendable, Hashable {
    /// Share of pairs whose chosen completion has more tokens than its rejected one.
    public let chosenLongerShare: Double
    public let equalShare: Double
    /// Mean of chosen minus rejected tokens.
    public let meanDifference: Double
}

/// What `dpo data stats` reports, as values the workbench can show as well as print.
public struct DatasetStatistics: Sendable, Hashable {
    public let file: String
    public let format: RecordFormat?
    /// What one length unit is, short: "tokens" or "bytes".
    public let unit: String
    /// Which tokenizer counted, in words the user can act on.
    public let tokenizer: String
    public let records: Int
    /// Token lengths before truncation; completions include their EOS or end-of-turn tokens.
    public let distributions: [NamedDistribution]
    /// Nil for unpaired data.
    public let lengthBias: LengthBias?
    /// Records equal in every token to an earlier one.
    public let exactDuplicates: Int
    public let truncation: TruncationSettings
    public let truncated: Int
    public let dropped: Int
    /// Records that could not be read or tokenized.
    public let problems: [DataProblem]

    /// Statistics of pairs tokenized without truncation; `truncation` is applied here only to count what it
    /// would cut, so the distributions show the data as it is.
    public static func compute(
        pairs: [TokenizedPair], unpaired: [TokenizedExample] = [], file: String, format: RecordFormat?, unit: String,
        tokenizer: String, truncation: TruncationSettings, problems: [DataProblem] = []
    ) -> DatasetStatistics {
        var truncated = 0
        var dropped = 0
        func count(_ prompt: [Int32], _ completions: [[Int32]]) {
            switch truncation.apply(prompt: prompt, completions: completions) {
            case .success(let fitted): if fitted.wasTruncated { truncated += 1 }
            case .failure: dropped += 1
            }
        }
        pairs.forEach { count($0.prompt, [$0.chosen, $0.rejected]) }
        unpaired.forEach { count($0.prompt, [$0.completion]) }

        let distributions: [NamedDistribution]
        let bias: LengthBias?
        let distinct: Int
        if unpaired.isEmpty {
            distributions = [
                NamedDistribution(name: "prompt", distribution: LengthDistribution(pairs.map(\.prompt.count))),
                NamedDistribution(name: "chosen", distribution: LengthDistribution(pairs.map(\.chosen.count))),
                NamedDistribution(name: "rejected", distribution: LengthDistribution(pairs.map(\.rejected.count))),
            ]
            let differences = pairs.map { $0.chosen.count - $0.rejected.count }
            let total = Double(Swift.max(1, pairs.count))
            bias = LengthBias(
                chosenLongerShare: Double(differences.filter { $0 > 0 }.count) / total,
                equalShare: Double(differences.filter { $0 == 0 }.count) / total,
                meanDifference: Double(differences.reduce(0, +)) / total)
            distinct = Set(pairs.map { [$0.prompt, $0.chosen, $0.rejected] }).count
        } else {
            let desirable = unpaired.filter(\.isDesirable)
            let undesirable = unpaired.filter { !$0.isDesirable }
            distributions = [
                NamedDistribution(name: "prompt", distribution: LengthDistribution(unpaired.map(\.prompt.count))),
                NamedDistribution(name: "desirable", distribution: LengthDistribution(desirable.map(\.completion.count))),
                NamedDistribution(
                    name: "undesirable", distribution: LengthDistribution(undesirable.map(\.completion.count))),
            ]
            bias = nil
            distinct = Set(unpaired.map { [$0.prompt, $0.completion, [$0.isDesirable ? 1 : 0]] }).count
        }
        return DatasetStatistics(
            file: file, format: format, unit: unit, tokenizer: tokenizer, records: pairs.count + unpaired.count,
            distributions: distributions, lengthBias: bias, exactDuplicates: pairs.count + unpaired.count - distinct,
            truncation: truncation, truncated: truncated, dropped: dropped, problems: problems)
    }
}
