/// One model's held-out samples, as the diagnostics read them.
public struct SampleSet: Sendable {
    public var completions: [[Int32]]
    /// The decoded completions (a U+FFFD in one means its bytes were not valid UTF-8).
    public var texts: [String]
    /// Each completion's summed log-prob under the model that sampled it, when computed.
    public var logProbs: [Double]?
    /// The task's ground-truth reward of each completion, for a built-in task.
    public var rewards: [Double]?

    public init(completions: [[Int32]], texts: [String], logProbs: [Double]? = nil, rewards: [Double]? = nil) {
        self.completions = completions
        self.texts = texts
        self.logProbs = logProbs
        self.rewards = rewards
    }
}

/// The health of the policy's samples beside the reference's, as `samples/…` metrics of an evaluation (each a mean
/// over the held-out prompts; a value that cannot be computed is left out, since a journal holds no NaN):
///
/// - `samples/length`, `samples/reference_length`: completion tokens.
/// - `samples/entropy`, `samples/reference_entropy`: −(Σ log p(y)) / (Σ |y|) of each model's own samples, nats per
///   token: a Monte Carlo estimate of the per-token entropy when sampling at temperature 1.
/// - `samples/kl`, `samples/kl_per_token` (with `logRatios`): the mean of log π(y|x) − log π_ref(y|x) over the
///   policy's samples, a Monte Carlo estimate of KL(π ‖ π_ref) per sample (the DPO paper's x-axis), and per token.
/// - `samples/distinct_2`, `samples/reference_distinct_2`: distinct token bigrams over all bigrams of the samples.
/// - `samples/repetition`: the share of each sample's token 4-grams that repeat an earlier one of the same sample.
/// - `samples/degenerate`, `samples/reference_degenerate`: the share of samples that are not valid UTF-8 or repeat
///   one 4-gram three times or more.
/// - `samples/reward`, `samples/reference_reward`: the task's ground-truth reward; `samples/reward_se`, the policy's
///   mean reward's standard error (sample standard deviation over √n), the noise to weigh a frontier comparison by.
public func sampleDiagnostics(policy: SampleSet, reference: SampleSet?, logRatios: [Double]?) -> [String: Double] {
    var metrics: [String: Double] = [:]
    func put(_ key: String, _ value: Double?) {
        if let value, value.isFinite { metrics[key] = value }
    }
    for (prefix, set) in [("samples/", policy as SampleSet?), ("samples/reference_", reference)] {
        guard let set, !set.completions.isEmpty else { continue }
        let tokens = set.completions.reduce(0) { $0 + $1.count }
        put(prefix + "length", Double(tokens) / Double(set.completions.count))
        put(prefix + "entropy", set.logProbs.map { -$0.reduce(0, +) / Double(tokens) })
        put(prefix + "distinct_2", distinctNGrams(set.completions, n: 2))
        put(prefix + "degenerate", mean(zip(set.completions, set.texts).map { isDegenerate($0, text: $1) ? 1 : 0 }))
        put(prefix + "reward", set.rewards.flatMap(mean))
    }
    put("samples/reward_se", policy.rewards.flatMap(standardError))
    put("samples/repetition", mean(policy.completions.compactMap { repeatedShare($0, n: 4) }))
    if let logRatios, !logRatios.isEmpty {
        put("samples/kl", mean(logRatios))
        put("samples/kl_per_token", logRatios.reduce(0, +) / Double(policy.completions.reduce(0) { $0 + $1.count }))
    }
    return metrics
}

/// Distinct n-grams over all n-grams of the sequences (Li et al. 2016's distinct-n); nil when none has n tokens.
func distinctNGrams(_ sequences: [[Int32]], n: Int) -> Double? {
    var seen = Set<ArraySlice<Int32>>()
    var total = 0
    for sequence in sequences where sequence.count >= n {
        for start in 0...(sequence.count - n) {
            seen.insert(sequence[start..<(start + n)])
            total += 1
        }
    }
    return total > 0 ? Double(seen.count) / Double(total) : nil
}

/// The share of a sequence's n-grams that already occurred earlier in it; nil when it has no n-gram.
func repeatedShare(_ sequence: [Int32], n: Int) -> Double? {
    guard sequence.count >= n else { return nil }
    var seen = Set<ArraySlice<Int32>>()
    var repeats = 0
    for start in 0...(sequence.count - n) where !seen.insert(sequence[start..<(start + n)]).inserted { repeats += 1 }
    return Double(repeats) / Double(sequence.count - n + 1)
}

/// Text no reader would accept: bytes that are not UTF-8, or a 4-gram of tokens said three times or more.
func isDegenerate(_ sequence: [Int32], text: String) -> Bool {
    if text.unicodeScalars.contains("\u{FFFD}") { return true }
    guard sequence.count >= 4 else { return false }
    var counts: [ArraySlice<Int32>: Int] = [:]
    for start in 0...(sequence.count - 4) {
        counts[sequence[start..<(start + 4)], default: 0] += 1
        if counts[sequence[start..<(start + 4)]]! >= 3 { return true }
    }
    return false
}

private func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }

/// The standard error of the mean: the sample standard deviation (n − 1) over √n; nil below two values.
private func standardError(_ values: [Double]) -> Double? {
    guard values.count >= 2, let average = mean(values) else { return nil }
    let variance = values.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(values.count - 1)
    return (variance / Double(values.count)).squareRoot()
}
