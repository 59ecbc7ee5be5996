import Foundation
import Model
import Preference
import Tokenizer

/// Completions of held-out prompts, from the policy at each evaluation and from the reference once, into
/// `samples.jsonl` with the task's ground-truth reward where it has one; and the end-of-run report of the DPO
/// paper's controlled-sentiment picture: reward of the reference's samples against the policy's, and
/// KL(policy ‖ reference) estimated on the policy's samples.
final class SampleWriter {
    static let referenceFile = "reference_samples.json"

    let experiment: Experiment
    let tokenizer: BPETokenizer
    let task: (any BuiltinTask)?
    let prompts: [(tokens: [Int32], text: String)]
    let run: RunDirectory
    private var referenceCompletions: [[Int32]] = []
    private var lastPolicyCompletions: [[Int32]] = []

    init(experiment: Experiment, tokenizer: BPETokenizer, task: (any BuiltinTask)?, prompts: [(tokens: [Int32], text: String)],
         run: RunDirectory) {
        self.experiment = experiment
        self.tokenizer = tokenizer
        self.task = task
        self.prompts = prompts
        self.run = run
    }

    /// Samples the reference's completions while `model` still is the reference (or reads them back on resume).
    func prepareReference(model: Transformer, resuming: Bool) throws {
        guard !prompts.isEmpty else { return }
        let url = run.url.appendingPathComponent(Self.referenceFile)
        if let data = try? Data(contentsOf: url), let saved = try? JSONDecoder().decode([[Int32]].self, from: data), saved.count == prompts.count {
            referenceCompletions = saved
            return
        }
        guard !resuming else { return }
        referenceCompletions = try complete(model: model, seedOffset: 0)
        try AtomicFile.write(try JSONEncoder().encode(referenceCompletions), to: url)
    }

    /// Samples the policy on every prompt and appends one record per prompt; returns how many.
    func write(model: Transformer, step: Int) throws -> Int {
        guard !prompts.isEmpty else { return 0 }
        lastPolicyCompletions = try complete(model: model, seedOffset: UInt64(step))
        for (index, prompt) in prompts.enumerated() {
            let policy = text(lastPolicyCompletions[index])
            var record: [String: Any] = ["step": step, "prompt": prompt.text, "policy": policy]
            if index < referenceCompletions.count {
                let reference = text(referenceCompletions[index])
                record["reference"] = reference
                if let task { record["reward_reference"] = task.reward(prompt: prompt.text, completion: reference) }
            }
            if let task { record["reward_policy"] = task.reward(prompt: prompt.text, completion: policy) }
            try run.append(record, to: RunDirectory.samplesFile)
        }
        return prompts.count
    }

    /// The ground-truth reward of reference and policy samples and the KL estimate, for a task with a reward.
    func report() throws -> String? {
        guard let task, !lastPolicyCompletions.isEmpty, referenceCompletions.count == prompts.count else { return nil }
        let rewards = { (completions: [[Int32]]) in
            zip(self.prompts, completions).map { task.reward(prompt: $0.text, completion: self.text($1)) }.reduce(0, +) / Double(completions.count)
        }
        var lines = [String(format: "ground-truth reward on %d held-out prompts: reference (%@) %.3f, policy %.3f",
                            prompts.count, experiment.sftEnabled ? "SFT model" : "starting model",
                            rewards(referenceCompletions), rewards(lastPolicyCompletions))]
        if let kl = try klEstimate() { lines.append(String(format: "KL(policy ‖ reference) ≈ %.2f nats per sample (mean log-ratio on policy samples)", kl)) }
        return lines.joined(separator: "\n")
    }

    /// Mean over the policy's last samples of log π(y|x) − log π_ref(y|x): a Monte Carlo estimate of the
    /// sequence-level KL divergence, which needs the reference model back in memory (once, at the end).
    private func klEstimate() throws -> Double? {
        let referenceDirectory = experiment.sftEnabled ? run.sftURL
            : (experiment.model == "builtin:tiny" ? nil : try experiment.modelDirectory())
        guard let referenceDirectory else { return nil }
        let reference = try Transformer.load(directory: referenceDirectory)
        let policy = try Transformer.load(directory: run.finalURL)
        let pairs = zip(prompts, lastPolicyCompletions).filter { !$1.isEmpty }.map {
            TokenizedPair(prompt: $0.tokens, chosen: $1, rejected: $1, source: SourceLocation(file: "samples", line: 0))
        }
        guard !pairs.isEmpty else { return nil }
        let policySums = try completionSums(model: policy, pairs: pairs, batchSize: experiment.evalBatchSize)
        let referenceSums = try completionSums(model: reference, pairs: pairs, batchSize: experiment.evalBatchSize)
        return zip(policySums, referenceSums).map { $0.chosen - $1.chosen }.reduce(0, +) / Double(pairs.count)
    }

    private func complete(model: Transformer, seedOffset: UInt64) throws -> [[Int32]] {
        let stop: Set<Int32> = tokenizer.eosTokenId.map { [$0] } ?? []
        return try prompts.enumerated().map { index, prompt in
            let settings = SamplingSettings(
                temperature: Float(experiment.samples.temperature), topK: experiment.samples.topK,
                topP: experiment.samples.topP.map(Float.init), maxNewTokens: experiment.samples.maxNewTokens,
                seed: UInt64(experiment.seed) &* 1_000_003 &+ seedOffset &* 7919 &+ UInt64(index))
            return try model.generate(prompt: prompt.tokens, settings: settings, stopTokens: stop)
        }
    }

    private func text(_ tokens: [Int32]) -> String { tokenizer.decode(tokens, skipSpecialTokens: true) }
}
