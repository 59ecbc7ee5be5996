import Foundation
import Model
import Preference

/// Bradley–Terry reward-model training (TRL's `RewardTrainer`): batches of pairs → the rewards of prompt + chosen
/// and prompt + rejected at their last token (EOS, as pairs are encoded) → −log σ(r_c − r_r) → backward → clip
/// (one global norm over trunk and score) → AdamW on both → `reward_metrics.jsonl`; held-out metrics into
/// `reward_eval.jsonl` every `reward.eval_steps` and at the end. The schedule, warmup, clipping and optimizer
/// settings are the experiment's, the step count, learning rate, batch size and evaluation interval `reward.*`.
public final class RewardModelTraining {
    public static let metricsFile = "reward_metrics.jsonl"
    public static let evalFile = "reward_eval.jsonl"

    public let experiment: Experiment
    public let model: RewardModel
    public let train: [TokenizedPair]
    public let eval: [TokenizedPair]
    let optimizers: [Optimizer]
    let runDirectory: RunDirectory
    let control: RunControl
    let emit: @Sendable (TrainerEvent) -> Void
    /// Called after each step with the step, for `status.json`.
    var onProgress: (Int) throws -> Void = { _ in }
    private var order: DataOrder

    public init(experiment: Experiment, model: RewardModel, train: [TokenizedPair], eval: [TokenizedPair],
                run: RunDirectory, control: RunControl, emit: @escaping @Sendable (TrainerEvent) -> Void) {
        self.experiment = experiment
        self.model = model
        self.train = train
        self.eval = eval
        self.runDirectory = run
        self.control = control
        self.emit = emit
        optimizers = [TrainableBlock.model(model.trunk), .score(model)].map { Optimizer(settings: experiment.optimizer, block: $0) }
        order = DataOrder(count: train.count, seed: UInt64(experiment.seed) ^ 0x2E3)
    }

    public var totalSteps: Int { experiment.reward.maxSteps }

    /// Trains every step, evaluating on the way; returns false when a stop was requested before the end (the
    /// stage keeps no checkpoint: a stopped reward run is started again).
    public func run() throws -> Bool {
        emit(.stage(.reward, totalSteps: totalSteps))
        for step in 1...totalSteps {
            if control.stopRequested { return false }
            var values = try trainStep(step)
            values["step"] = Double(step)
            values["time"] = Date().timeIntervalSince1970
            try runDirectory.append(values, to: Self.metricsFile)
            emit(.metrics(stage: .reward, step: step, values: values))
            try onProgress(step)
            let interval = experiment.reward.evalSteps
            if interval > 0, step % interval == 0, step < totalSteps { try evaluate(step: step) }
        }
        try evaluate(step: totalSteps)
        return true
    }

    /// One optimizer step on `reward.batch_size` pairs; returns its metrics.
    public func trainStep(_ step: Int) throws -> [String: Double] {
        let size = experiment.reward.batchSize
        let batch = RewardBatch(pairs: order.batch(start: (step - 1) * size, size: size).map { train[$0] })
        model.zeroGradients()
        let rewards = RewardBatch.split(try model.scores(batch.packed, rows: batch.rows))
        let result = bradleyTerryLoss(chosen: rewards.chosen, rejected: rewards.rejected)
        model.backward(RewardBatch.interleave(dChosen: result.dChosen, dRejected: result.dRejected))
        let norm = gradientNorm(optimizers.map { ($0.block.gradients, $0.block.count) })
        guard result.loss.isFinite, norm.isFinite else {
            throw TrainingError("non-finite reward-model \(result.loss.isFinite ? "gradient norm" : "loss") at step \(step)")
        }
        let rate = experiment.scheduler.rate(step: step, totalSteps: totalSteps, warmupSteps: experiment.warmupSteps,
                                             base: experiment.reward.learningRate)
        let scale = clipScale(norm: norm, maximum: experiment.maxGradNorm)
        for optimizer in optimizers { optimizer.update(learningRate: rate, gradientScale: scale) }
        var metrics = result.metrics
        metrics["grad_norm"] = norm
        metrics["learning_rate"] = rate
        return metrics
    }

    /// Held-out `eval_loss`, `eval_accuracy`, `eval_margin`, into `reward_eval.jsonl`.
    @discardableResult
    public func evaluate(step: Int) throws -> [String: Double] {
        guard !eval.isEmpty else { return [:] }
        let rewards = try model.rewards(pairs: eval, batchSize: experiment.evalBatchSize)
        let metrics = bradleyTerryLoss(chosen: rewards.chosen, rejected: rewards.rejected).metrics
        var values: [String: Double] = ["step": Double(step), "time": Date().timeIntervalSince1970]
        for key in ["loss", "accuracy", "margin"] { values["eval_" + key] = metrics[key] }
        try runDirectory.append(values, to: Self.evalFile)
        emit(.evaluation(step: step, values: values))
        return values
    }
}
