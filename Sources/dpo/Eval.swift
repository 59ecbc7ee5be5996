import ArgumentParser
import Foundation
import Model
import Preference
import Training

/// `dpo eval`: summed log-probs of every pair of a file under a model (and its reference), held-out loss and
/// reward accuracy, and optionally one line per pair.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model or run on a preference file: loss, reward accuracy, per-pair log-probs.")

    @Argument(help: "A Hugging Face model directory or a run directory.")
    var model: String

    @Option(help: "Preference file (JSONL/JSON, any supported format).")
    var data: String

    @Option(help: "Write one JSON line per pair (dataset order) with summed log-probs and token counts.")
    var output: String?

    @Option(help: "Reference model directory (default: a run's starting model; none for a bare model).")
    var reference: String?

    @Option(help: "LoRA adapters in PEFT layout (adapter_config.json, adapter_model.safetensors) to apply to the model.")
    var adapter: String?

    @OptionGroup var overrides: ExperimentOverrides

    @Option(help: "Pairs per forward pass.") var batchSize = 8

    func run() throws {
        let location = try ModelLocation(model)
        let policyModel = try location.loadModel()
        let context = policyModel.config.maxPositions
        var base = try location.run?.readConfig() ?? Experiment()
        if location.run == nil {
            // A bare model's limit is its own context, with no separate prompt limit (TRL ≥ 1.x); a run keeps its config's.
            base.maxLength = context
            base.maxPromptLength = 1
        }
        var experiment = try overrides.experiment(file: nil, base: base)
        if location.run == nil, !overrides.keys.contains("max_prompt_length") { experiment.maxPromptLength = experiment.maxLength - 1 }
        let tokenizer = try location.loadTokenizer()
        let settings = DatasetSettings(truncation: TruncationSettings(
            maxLength: experiment.maxLength, maxPromptLength: experiment.maxPromptLength,
            mode: TruncationMode(rawValue: experiment.truncationMode) ?? .keepEnd))
        let dataset = try PreferenceDataset.load(contentsOf: URL(fileURLWithPath: data), encoder: tokenizer, settings: settings)
        print("data: \(dataset.report)")
        if !dataset.report.truncatedAt.isEmpty {
            print("truncated to max_length \(experiment.maxLength), max_prompt_length \(experiment.maxPromptLength) "
                + "(their log-probs cover only the kept tokens): \(dataset.report.truncatedAt.listed())")
        }
        try ContextFit.check(dataset.pairs, maxPositions: context)
        if let adapter {
            policyModel.attach(try LoRAAdapters.load(directory: URL(fileURLWithPath: adapter), config: policyModel.config))
            print("adapters: \(adapter)")
        }
        let policy = try completionSums(model: policyModel, pairs: dataset.pairs, batchSize: batchSize)
        let referenceDirectory = try reference.map { URL(fileURLWithPath: $0) } ?? location.referenceDirectory()
        let referenceSums = try referenceDirectory.map {
            try completionSums(model: Transformer.load(directory: $0), pairs: dataset.pairs, batchSize: batchSize)
        }
        print("model: \(location.modelDirectory.path)")
        print("reference: \(referenceDirectory?.path ?? "none (rewards need one: --reference DIR)")")
        if let output { try writePerPair(policy: policy, reference: referenceSums, beta: experiment.loss.beta, to: output) }
        guard !policy.isEmpty else { return }
        let inputs = policy.enumerated().map { index, sums in
            PairLogProbs(policyChosen: sums.chosen, policyRejected: sums.rejected,
                         referenceChosen: referenceSums?[index].chosen ?? 0, referenceRejected: referenceSums?[index].rejected ?? 0,
                         chosenTokens: sums.chosenTokens, rejectedTokens: sums.rejectedTokens)
        }
        let metrics = preferenceLoss(inputs, settings: experiment.loss).metrics
        let keys = referenceSums == nil ? ["logps/chosen", "logps/rejected"]
            : ["loss", "rewards/accuracies", "rewards/margins", "rewards/chosen", "rewards/rejected", "logps/chosen", "logps/rejected"]
        for key in keys { print(String(format: "eval_%@: %.6f", key, metrics[key] ?? .nan)) }
    }

    private func writePerPair(policy: [CompletionSums], reference: [CompletionSums]?, beta: Double, to path: String) throws {
        var text = ""
        for (index, sums) in policy.enumerated() {
            var record: [String: Any] = [
                "index": index, "logps/chosen": sums.chosen, "logps/rejected": sums.rejected,
                "chosen_tokens": sums.chosenTokens, "rejected_tokens": sums.rejectedTokens,
            ]
            if let reference {
                record["ref_logps/chosen"] = reference[index].chosen
                record["ref_logps/rejected"] = reference[index].rejected
                record["rewards/chosen"] = beta * (sums.chosen - reference[index].chosen)
                record["rewards/rejected"] = beta * (sums.rejected - reference[index].rejected)
            }
            text += String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: path))
        print("per-pair log-probs: \(path)")
    }
}
