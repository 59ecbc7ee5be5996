import Foundation
import Model
import Preference
import Tokenizer

/// A reward-model run (`dpo reward train`): `output_dir/reward-<name>-<time>/` with `config.yaml`, `status.json`
/// (stage `reward` throughout), `log.txt`, the journals of `RewardModelTraining` and `final/`, a Hugging Face
/// `LlamaForSequenceClassification` directory with its tokenizer.
///
/// The tokenizer, pairs and starting model come from `ExperimentResolution`, as for a DPO run, with one
/// difference: SFT does not run here. When the experiment enables SFT and a DPO run has already cached its SFT
/// model (`output_dir/.sft-cache/<key>`), the reward model starts from that model; otherwise from the
/// experiment's starting model (for `builtin:tiny`, a random initialization from the `tiny.*` keys). The score
/// weight is drawn from Normal(0, 0.02) by the seed. A stopped run keeps no checkpoint and is started again.
public final class RewardSession {
    public let experiment: Experiment
    public var run: RunDirectory { lifecycle.run }
    private let lifecycle: RunLifecycle
    var control: RunControl { lifecycle.control }
    var emit: @Sendable (TrainerEvent) -> Void { lifecycle.emit }

    private init(experiment: Experiment, lifecycle: RunLifecycle) {
        self.experiment = experiment
        self.lifecycle = lifecycle
    }

    /// A new reward run directory under `experiment`'s `output_dir`, named after `run_name` or the dataset.
    public static func create(
        _ experiment: Experiment, control: RunControl, emit: @escaping @Sendable (TrainerEvent) -> Void
    ) throws -> RewardSession {
        let name = experiment.runName ?? URL(fileURLWithPath: experiment.dataset.replacingOccurrences(of: "builtin:", with: ""))
            .deletingPathExtension().lastPathComponent
        let lifecycle = try RunLifecycle.create(experiment, name: "reward-\(name)", stage: .reward, control: control, emit: emit)
        return RewardSession(experiment: experiment, lifecycle: lifecycle)
    }

    /// Runs to the end, a stop or an error, leaving `status.json` in a final state.
    @discardableResult
    public func execute() -> RunState { lifecycle.execute(stages) }

    private func stages() throws -> RunState {
        let status = lifecycle.status
        try status.report(.running, stage: .reward, step: 0, total: experiment.reward.maxSteps, force: true)
        guard !experiment.loss.lossTypes.contains(.kto) else {
            throw ExperimentError(key: "loss_type", "a reward model trains on pairs; kto turns them into labelled completions")
        }
        let resolution = ExperimentResolution(experiment)
        try resolution.checkFiles()
        let resolved = try resolution.tokenizer()
        let tokenizer = resolved.tokenizer
        say("tokenizer: \(resolved.origin)")
        let data = try resolution.data(tokenizer: tokenizer)
        say("data: \(data.train.count) training pairs, \(data.eval.count) held-out pairs (\(data.description))")
        let start = try startingModel(resolution, tokenizer: tokenizer)
        try ContextFit.check(data.train + data.eval, maxPositions: start.config.maxPositions)
        let model = try RewardModel(languageModel: start, padTokenId: RewardModel.padToken(eos: tokenizer.eosTokenId, pad: tokenizer.padTokenId),
                                    seed: UInt64(experiment.seed))
        say("reward model: \(model.parameterCount) parameters (\(model.config.layers) layers, hidden \(model.config.hiddenSize)), "
            + "pad_token_id \(model.padTokenId)")
        let training = RewardModelTraining(experiment: experiment, model: model, train: data.train, eval: data.eval, run: run,
                                           control: control, emit: emit)
        let total = training.totalSteps
        training.onProgress = { step in try status.report(.running, stage: .reward, step: step, total: total) }
        say("reward: Bradley–Terry, learning rate \(experiment.reward.learningRate), \(total) steps of \(experiment.reward.batchSize) pairs")
        guard try training.run() else {
            say("stopped (a reward run keeps no checkpoint; start it again with dpo reward train)")
            return .stopped
        }
        try status.report(.running, stage: .reward, step: total, total: total, force: true)
        let partial = run.url.appendingPathComponent(".final.partial")
        try? FileManager.default.removeItem(at: partial)
        try model.save(directory: partial)
        try tokenizer.save(directory: partial)
        try FileManager.default.moveItem(at: partial, to: run.finalURL)
        say("final reward model: \(run.finalURL.path)")
        return .finished
    }

    /// The SFT-cached model when the experiment enables SFT and one is cached, else the experiment's starting model.
    private func startingModel(_ resolution: ExperimentResolution, tokenizer: BPETokenizer) throws -> Transformer {
        let cache = URL(fileURLWithPath: experiment.outputDir).appendingPathComponent(".sft-cache")
            .appendingPathComponent(experiment.sftCacheKey)
        if experiment.sftEnabled, FileManager.default.fileExists(atPath: cache.appendingPathComponent("config.json").path) {
            say("starting model: the cached SFT model \(experiment.sftCacheKey)")
            return try Transformer.load(directory: cache)
        }
        say("starting model: \(experiment.model == "builtin:tiny" ? "builtin:tiny, randomly initialized" : experiment.model)")
        return try resolution.startingModel(tokenizer: tokenizer)
    }

    private func say(_ line: String) { lifecycle.say(line) }
}
