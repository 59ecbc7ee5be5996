import ArgumentParser
import Foundation
import Model
import Preference
import Tokenizer
import Training

/// `dpo reward`: Bradley–Terry reward models, trained on an experiment's pairs and scored on a preference file.
struct RewardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward",
        abstract: "Train a reward model (Bradley–Terry) on preference pairs, or score pairs with one.",
        subcommands: [RewardTrain.self, RewardScore.self])
}

/// `dpo reward train`: one reward-model run, headless; SIGINT, SIGTERM and SIGHUP stop it (no checkpoint).
struct RewardTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a reward model on an experiment's pairs; the model goes to output_dir/reward-<name>-<time>/final/.")

    @Argument(help: "Experiment file (YAML; reward.* keys set the reward model's steps, learning rate and batch).")
    var experiment: String

    @OptionGroup var overrides: ExperimentOverrides

    func run() throws {
        let control = RunControl()
        let signals = SignalHandler.stopping(control)
        defer { withExtendedLifetime(signals) {} }
        let progress = ProgressPrinter()
        let session = try RewardSession.create(try overrides.experiment(file: experiment), control: control, emit: progress.handle)
        progress.line("run: \(session.run.url.path)")
        switch session.execute() {
        case .finished: return
        case .stopped: throw ExitCode(3)
        default: throw ExitCode.failure
        }
    }
}

/// `dpo reward score`: a reward model's held-out loss, accuracy and margin on a preference file.
struct RewardScore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score", abstract: "Score the pairs of a preference file with a reward model: loss, accuracy, margin.")

    @Argument(help: "A reward-model directory (LlamaForSequenceClassification) or a reward run directory.")
    var model: String

    @Option(help: "Preference file (JSONL/JSON, any supported format).")
    var data: String

    @Option(help: "Write one JSON line per pair (dataset order) with its two scores.")
    var output: String?

    @Option(help: "Pairs per forward pass.") var batchSize = 8

    func run() throws {
        let given = URL(fileURLWithPath: model)
        let final = given.appendingPathComponent("final")
        let directory = FileManager.default.fileExists(atPath: final.appendingPathComponent("config.json").path) ? final : given
        let reward = try RewardModel.load(directory: directory)
        let tokenizer = try BPETokenizer.load(directory: directory)
        let context = reward.config.maxPositions
        let settings = DatasetSettings(truncation: TruncationSettings(maxLength: context, maxPromptLength: context - 1, mode: .keepEnd))
        let dataset = try PreferenceDataset.load(contentsOf: URL(fileURLWithPath: data), encoder: tokenizer, settings: settings)
        print("data: \(dataset.report)")
        print("model: \(directory.path)")
        guard !dataset.pairs.isEmpty else { return }
        let rewards = try reward.rewards(pairs: dataset.pairs, batchSize: batchSize)
        if let output {
            let lines = try zip(rewards.chosen, rewards.rejected).enumerated().map { index, scores in
                try RunDirectory.line(["index": index, "score_chosen": scores.0, "score_rejected": scores.1]) + "\n"
            }
            try AtomicFile.write(Data(lines.joined().utf8), to: URL(fileURLWithPath: output))
            print("per-pair scores: \(output)")
        }
        let metrics = bradleyTerryLoss(chosen: rewards.chosen, rejected: rewards.rejected).metrics
        for key in ["loss", "accuracy", "margin"] { print(String(format: "eval_%@: %.6f", key, metrics[key] ?? .nan)) }
    }
}
