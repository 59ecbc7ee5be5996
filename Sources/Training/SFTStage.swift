import Foundation
import Model

/// Supervised fine-tuning before preference optimization (the DPO paper's π_SFT): token-mean cross-entropy on
/// whole texts (a built-in task's corpus) or on completions after their prompt (chosen completions of a file).
public final class SFTStage {
    /// One training sequence; `targetMask[t]` marks tokens that count in the loss.
    public struct Example: Sendable {
        public var tokens: [Int32]
        public var targetMask: [Bool]

        public init(tokens: [Int32], targetMask: [Bool]) {
            self.tokens = tokens
            self.targetMask = targetMask
        }
    }


    let settings: SFTSettings
    let seed: UInt64
    let model: Transformer
    let examples: [Example]
    let runDirectory: RunDirectory
    let control: RunControl
    let emit: @Sendable (TrainerEvent) -> Void
    /// Called after each step with the step, for `status.json`.
    var onProgress: (Int) throws -> Void = { _ in }

    public init(settings: SFTSettings, seed: Int, model: Transformer, examples: [Example], run: RunDirectory,
                control: RunControl, emit: @escaping @Sendable (TrainerEvent) -> Void) {
        self.settings = settings
        self.seed = UInt64(seed)
        self.model = model
        self.examples = examples
        self.runDirectory = run
        self.control = control
        self.emit = emit
    }

    /// Trains for `settings.maxSteps` steps with AdamW, warmup over the first 5% then cosine decay.
    /// Returns false when a stop was requested before the end. The stage keeps no checkpoint of its own: a resumed
    /// run starts it again from its first step (it is seeded, so it repeats itself exactly) with its journal
    /// emptied, so `sft_metrics.jsonl` never holds a step twice.
    public func run() throws -> Bool {
        try runDirectory.truncateJournals(after: -1, files: [RunDirectory.sftMetricsFile])
        let optimizer = Optimizer(settings: OptimizerSettings(), block: .model(model))
        var order = DataOrder(count: examples.count, seed: seed ^ 0x5F7)
        let total = settings.maxSteps
        emit(.stage(.sft, totalSteps: total))
        for step in 1...max(1, total) where total > 0 {
            if control.stopRequested { return false }
            let started = Date()
            var batch = PackedBatch()
            for index in order.batch(start: (step - 1) * settings.batchSize, size: settings.batchSize) {
                batch.appendSequence(examples[index].tokens, targetMask: examples[index].targetMask)
            }
            model.zeroGradients()
            let logp = try model.forward(batch)
            let count = Double(max(1, logp.count))
            let loss = -logp.reduce(0) { $0 + Double($1) } / count
            model.backward([Float](repeating: Float(-1 / count), count: logp.count))
            let norm = gradientNorm(model.gradients, count: model.parameterCount)
            guard loss.isFinite, norm.isFinite else { throw TrainingError("non-finite SFT loss at step \(step)") }
            let rate = LearningRateSchedule.cosine.rate(step: step, totalSteps: total, warmupSteps: max(1, total / 20),
                                                        base: settings.learningRate)
            optimizer.update(learningRate: rate, gradientScale: clipScale(norm: norm, maximum: 1))
            let values: [String: Double] = [
                "step": Double(step), "loss": loss, "grad_norm": norm, "learning_rate": rate,
                "tokens_per_s": count / Date().timeIntervalSince(started), "time": Date().timeIntervalSince1970,
            ]
            try runDirectory.append(values, to: RunDirectory.sftMetricsFile)
            emit(.metrics(stage: .sft, step: step, values: values))
            try onProgress(step)
        }
        return true
    }
}
