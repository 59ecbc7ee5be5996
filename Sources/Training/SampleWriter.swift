import Foundation
import Model
import Preference
import Tokenizer

/// Completions of held-out prompts, from the policy at each evaluation and from the reference once, into
/// `samples.jsonl` with the task's ground-truth reward where it has one; their health beside the reference's
/// (`sampleDiagnostics`: length, entropy, diversity, KL, ground-truth reward) for the evaluation's row; and the
/// end-of-run report of the DPO paper's controlled-sentiment picture: reward of the reference's samples against the
/// policy's, and KL(policy ‖ reference) estimated on the policy's samples.
final class SampleWriter {
    static let referenceFile = "reference_samples.json"

    let experiment: Experiment
    let tokenizer: BPETokenizer
    let task: (any BuiltinTask)?
    let prompts: [(tokens: [Int32], text: String)]
    let run: RunDirectory
    /// The reference's samples as the diagnostics read them (with their log-probs once the reference is scored).
    private var referenceSet: SampleSet?
    /// The reference model, loaded from disk at the first evaluation that needs it: the trainer does not keep one.
    private var referenceModel: Transformer?
    private var lastMetrics: [String: Double] = [:]

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
        let completions: [[Int32]]
        if let data = try? Data(contentsOf: url), let saved = try? JSONDecoder().decode([[Int32]].self, from: data), saved.count == prompts.count {
            completions = saved
        } else {
            guard !resuming else { return }
            completions = try complete(model: model)
            try AtomicFile.write(try JSONEncoder().encode(completions), to: url)
        }
        referenceSet = sampleSet(completions)
    }

    /// Samples the policy on every prompt, appends one record per prompt and returns the samples' `samples/…`
    /// metrics (empty without prompts).
    func write(model: Transformer, step: Int) throws -> [String: Double] {
        guard !prompts.isEmpty else { return [:] }
        let completions = try complete(model: model)
        var policy = sampleSet(completions)
        for (index, prompt) in prompts.enumerated() {
            var record: [String: Any] = ["step": step, "prompt": prompt.text, "policy": policy.texts[index]]
            if let reference = referenceSet {
                record["reference"] = reference.texts[index]
                if let rewards = reference.rewards { record["reward_reference"] = rewards[index] }
            }
            if let rewards = policy.rewards { record["reward_policy"] = rewards[index] }
            try run.append(record, to: RunDirectory.samplesFile)
        }
        var logRatios: [Double]?
        policy.logProbs = try logProbs(of: completions, under: model)
        if let reference = try loadReference() {
            if let set = referenceSet, set.logProbs == nil { referenceSet?.logProbs = try logProbs(of: set.completions, under: reference) }
            logRatios = zip(policy.logProbs!, try logProbs(of: completions, under: reference)).map { $0 - $1 }
        }
        lastMetrics = sampleDiagnostics(policy: policy, reference: referenceSet, logRatios: logRatios)
        return lastMetrics
    }

    /// The ground-truth reward of reference and policy samples and the KL estimate, for a task with a reward, from
    /// the last evaluation (which saw the final policy).
    func report() -> String? {
        guard task != nil, let policy = lastMetrics["samples/reward"], let reference = lastMetrics["samples/reference_reward"] else { return nil }
        var lines = [String(format: "ground-truth reward on %d held-out prompts: reference (%@) %.3f, policy %.3f",
                            prompts.count, experiment.sftEnabled ? "SFT model" : "starting model", reference, policy)]
        if let kl = lastMetrics["samples/kl"] {
            lines.append(String(format: "KL(policy ‖ reference) ≈ %.2f nats per sample (mean log-ratio on policy samples)", kl))
        }
        return lines.joined(separator: "\n")
    }

    /// The completions with their texts and rewards.
    private func sampleSet(_ completions: [[Int32]]) -> SampleSet {
        let texts = completions.map(text)
        return SampleSet(completions: completions, texts: texts,
                         rewards: task.map { task in zip(prompts, texts).map { task.reward(prompt: $0.text, completion: $1) } })
    }

    /// The reference model (the SFT model, or the starting model's directory); nil for a new `builtin:tiny` model
    /// trained without SFT, which was never saved.
    private func loadReference() throws -> Transformer? {
        if let referenceModel { return referenceModel }
        let directory = experiment.sftEnabled ? run.sftURL : (experiment.model == "builtin:tiny" ? nil : try experiment.modelDirectory())
        referenceModel = try directory.map { try Transformer.load(directory: $0) }
        return referenceModel
    }

    /// Each completion's summed log-prob given its prompt under `model` (0 for an empty completion).
    private func logProbs(of completions: [[Int32]], under model: Transformer) throws -> [Double] {
        try completionLogProbs(model: model, prompts: prompts.map(\.tokens), completions: completions,
                               batchSize: experiment.evalBatchSize)
    }

    /// Every evaluation, and the reference, draws prompt i's completion with the same seed (common random numbers):
    /// two policies that are close sample mostly the same tokens, so the difference between two evaluations'
    /// rewards, across steps or across runs, measures the policies rather than the draws. A run's frontier points
    /// and the comparison between runs at equal KL rest on those differences.
    private func complete(model: Transformer) throws -> [[Int32]] {
        let stop: Set<Int32> = tokenizer.eosTokenId.map { [$0] } ?? []
        let settings = SamplingSettings(
            temperature: Float(experiment.samples.temperature), topK: experiment.samples.topK,
            topP: experiment.samples.topP.map(Float.init), maxNewTokens: experiment.samples.maxNewTokens, seed: 0)
        let seeds = prompts.indices.map { UInt64(experiment.seed) &* 1_000_003 &+ UInt64($0) }
        return try model.samplingModel().generate(prompts: prompts.map(\.tokens), seeds: seeds, settings: settings, stopTokens: stop,
                                  batchSize: generationBatch)
    }

    private func text(_ tokens: [Int32]) -> String { tokenizer.decode(tokens, skipSpecialTokens: true) }
}
