import Preference

/// A dataset as TRL's `KTOTrainer` sees it: unpaired completions with a desirable/undesirable label, each with
/// the mismatched completion its KL term uses.
///
/// Paired rows are split as TRL's `unpair_preference_dataset` does, in blocks of 1000 rows: the block's chosen
/// completions (desirable) followed by its rejected ones (undesirable). The KL completions are TRL's
/// `_get_kl_dataset`: within each block of `per_device_train_batch_size` examples, in dataset order, example i
/// takes the completion of example i − 1 (the first takes the last), so the pairing is fixed before any
/// shuffling. Each example is kept as a `TokenizedPair` whose `chosen` is its completion and `rejected` its KL
/// completion, so batching, packing and the reference cache work as for pairs.
struct KTOExamples {
    let pairs: [TokenizedPair]
    let desirable: [Bool]

    init(pairs paired: [TokenizedPair], unpaired: [TokenizedExample], klBlock: Int) {
        var rows: [(prompt: [Int32], completion: [Int32], desirable: Bool, source: SourceLocation)] = []
        for start in stride(from: 0, to: paired.count, by: 1000) {
            let block = paired[start..<min(start + 1000, paired.count)]
            rows += block.map { ($0.prompt, $0.chosen, true, $0.source) }
            rows += block.map { ($0.prompt, $0.rejected, false, $0.source) }
        }
        rows += unpaired.map { ($0.prompt, $0.completion, $0.isDesirable, $0.source) }
        var pairs: [TokenizedPair] = []
        let block = max(1, klBlock)
        for start in stride(from: 0, to: rows.count, by: block) {
            let indices = Array(start..<min(start + block, rows.count))
            for (position, index) in indices.enumerated() {
                let mismatched = indices[(position + indices.count - 1) % indices.count]
                pairs.append(TokenizedPair(prompt: rows[index].prompt, chosen: rows[index].completion,
                                           rejected: rows[mismatched].completion, source: rows[index].source))
            }
        }
        self.pairs = pairs
        desirable = rows.map(\.desirable)
    }

    /// TRL's advice when the weighted classes are unbalanced: (desirable_weight · desirable) / (undesirable_weight ·
    /// undesirable) should lie in [1, 4/3]; nil when it does, or when one class is absent.
    func balanceWarning(desirableWeight: Double, undesirableWeight: Double) -> String? {
        let good = Double(desirable.filter { $0 }.count), bad = Double(desirable.filter { !$0 }.count)
        guard good > 0, bad > 0 else { return nil }
        let ratio = desirableWeight * good / (undesirableWeight * bad)
        guard ratio < 1 || ratio > 4.0 / 3 else { return nil }
        let low = bad * undesirableWeight / good, high = low * 4 / 3
        return "kto: \(Int(good)) desirable and \(Int(bad)) undesirable examples with weights \(format(desirableWeight)) and "
            + "\(format(undesirableWeight)): TRL recommends desirable_weight / undesirable_weight in "
            + "[\(String(format: "%.2f", low)), \(String(format: "%.2f", high))]"
    }
}
