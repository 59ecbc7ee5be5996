import Foundation

/// An experiment as TRL 1.16 runs it (`trl dpo --config trl_config.yaml`, or `accelerate launch -m trl.scripts.dpo`):
/// our keys under TRL's names (`DPOConfig`, `ModelConfig`, `ScriptArguments`), with a warning for each setting
/// TRL would ignore or compute differently, so a run prepared here can move to GPUs with what changes said out loud.
public struct TRLExport: Sendable {
    /// `key: value` lines of the config, in a stable order; values are YAML.
    public let config: [(key: String, value: String)]
    public let warnings: [String]

    /// The losses TRL 1.16's DPOTrainer computes (`_compute_loss`).
    static let dpoTrainerLosses: Set<LossType> = [
        .sigmoid, .hinge, .ipo, .exoPair, .ncaPair, .robust, .bcoPair, .sppoHard, .aot, .aotUnpaired, .apoZero, .apoDown,
        .discopop, .sft, .sigmoidNorm,
    ]

    /// - Parameters:
    ///   - model: `model_name_or_path` as written (relative to the export folder when the model was copied there).
    ///   - data: the folder holding `train.jsonl` (and `test.jsonl` when there is a held-out split).
    /// - Throws: `ExperimentError` for what DPOTrainer cannot run at all (another trainer's loss, the online methods).
    public init(_ experiment: Experiment, model: String, data: String, hasTestSplit: Bool) throws {
        var warnings: [String] = []
        let losses = experiment.loss.lossTypes
        if let other = losses.first(where: { !Self.dpoTrainerLosses.contains($0) }) {
            throw ExperimentError(key: "loss_type", "\(other.rawValue) is not a DPOTrainer loss in TRL 1.16 (simpo: CPOTrainer, orpo: ORPOTrainer, "
                                  + "kto: KTOTrainer; unlikelihood and sppo have no TRL trainer): nothing to export")
        }
        for (enabled, key, what) in [(experiment.online.enabled, "online.enabled", "Online DPO"), (experiment.rso.enabled, "rso.enabled", "RSO")] where enabled {
            throw ExperimentError(key: key, "\(what) makes its pairs while it trains; TRL 1.16's DPOTrainer trains on a fixed file")
        }
        var types = losses.map(\.rawValue)
        var weights = experiment.loss.lossWeights ?? (losses.count > 1 ? Array(repeating: 1, count: losses.count) : nil)
        if let alpha = experiment.loss.rpoAlpha {
            // TRL 1.16 has no rpo_alpha; RPO's NLL term is its `sft` loss, the same token mean over chosen completions.
            types.append(LossType.sft.rawValue)
            weights = (weights ?? [1]) + [alpha]
        }
        if experiment.loss.labelSmoothing > 0, losses.contains(.sigmoid) {
            warnings.append("label_smoothing \(format(experiment.loss.labelSmoothing)): TRL 1.16's sigmoid ignores it (we train cDPO); use loss_type robust there for a noise-aware loss")
        }
        if experiment.loss.rdpoAlpha != nil { warnings.append("rdpo_alpha: TRL has no R-DPO length term; it is left out") }
        if let checkpoint = experiment.initFrom {
            warnings.append("init_from \(checkpoint): TRL starts policy and reference from the exported model; the warm start is not exported")
        }
        if experiment.sftEnabled { warnings.append("sft: TRL starts from the exported model (our SFT stage's result when exported from a run); it runs no SFT stage itself") }
        warnings.append("max_prompt_length \(experiment.maxPromptLength): TRL 1.16 has no prompt limit; it cuts prompt and completion together to max_length (\(experiment.truncationMode))")
        if experiment.trainSamplingStrategy == "random" {
            warnings.append("train_sampling_strategy random: TRL shuffles with its own generator, so the batches differ from ours (sequential makes both follow the file)")
        }
        if experiment.optimizer.kind == .rmsprop {
            warnings.append("optim rmsprop: torch's RMSprop takes no weight decay the way ours does (decoupled); check weight_decay")
        }
        if !experiment.sweep.isEmpty || !experiment.sweepGrids.isEmpty { warnings.append("sweep: TRL runs one configuration; export each run of the sweep") }
        warnings.append("precision: float32 as here (bf16: false; TRL's DPOConfig turns bf16 on by default, even on CPU); on GPUs consider bf16: true, which changes the numbers")

        var config: [(String, String)] = [
            ("model_name_or_path", Self.quoted(model)),
            ("dtype", "float32"),
            // TRL's DPOConfig defaults bf16 to true, so without this line a CPU run autocasts to bfloat16 and its
            // step 1 differs from ours by ~1e-4 in the log-probs and ~2e-3 in the gradient norm.
            ("bf16", "false"),
            ("dataset_name", Self.quoted(data)),
            ("dataset_train_split", "train"),
        ]
        if hasTestSplit { config.append(("dataset_test_split", "test")) }
        config += [
            ("output_dir", "trl-output"),
            ("loss_type", "[" + types.joined(separator: ", ") + "]"),
        ]
        if let weights { config.append(("loss_weights", "[" + weights.map(format).joined(separator: ", ") + "]")) }
        config += [
            ("beta", format(experiment.loss.beta)),
            ("label_smoothing", format(experiment.loss.labelSmoothing)),
        ]
        if let ld = experiment.loss.ldAlpha { config.append(("ld_alpha", format(ld))) }
        if losses.contains(.discopop) { config.append(("discopop_tau", format(experiment.loss.discopopTau))) }
        let schedule = experiment.scheduler == .constant && experiment.warmupSteps > 0 ? "constant_with_warmup" : experiment.scheduler.rawValue
        config += [
            ("learning_rate", format(experiment.learningRate)),
            ("lr_scheduler_type", schedule),
            ("warmup_steps", "\(experiment.warmupSteps)"),
            ("per_device_train_batch_size", "\(experiment.batchSize)"),
            ("per_device_eval_batch_size", "\(experiment.evalBatchSize)"),
            ("gradient_accumulation_steps", "\(experiment.gradientAccumulationSteps)"),
            ("num_train_epochs", format(experiment.epochs)),
            ("max_steps", "\(experiment.maxSteps)"),
            ("max_length", "\(experiment.maxLength)"),
            ("truncation_mode", experiment.truncationMode),
            ("max_grad_norm", format(experiment.maxGradNorm)),
            ("optim", experiment.optimizer.kind == .adamw ? "adamw_torch" : "rmsprop"),
            ("weight_decay", format(experiment.optimizer.weightDecay)),
            ("adam_beta1", format(experiment.optimizer.beta1)),
            ("adam_beta2", format(experiment.optimizer.beta2)),
            ("adam_epsilon", format(experiment.optimizer.epsilon)),
            ("seed", "\(experiment.seed)"),
            ("train_sampling_strategy", experiment.trainSamplingStrategy),
            ("precompute_ref_log_probs", "true"),
            ("logging_steps", "\(experiment.loggingSteps)"),
            ("save_steps", "\(experiment.saveSteps)"),
            ("eval_strategy", hasTestSplit && experiment.evalSteps > 0 ? "steps" : "\"no\""),
        ]
        if hasTestSplit, experiment.evalSteps > 0 { config.append(("eval_steps", "\(experiment.evalSteps)")) }
        config.append(("report_to", "[tensorboard]"))
        if let lora = experiment.lora {
            config += [
                ("use_peft", "true"), ("lora_r", "\(lora.rank)"), ("lora_alpha", format(lora.alpha)),
                ("lora_target_modules", "[" + lora.targetModules.joined(separator: ", ") + "]"),
            ]
        }
        self.config = config
        self.warnings = warnings
    }

    /// The config file: the warnings as comments, then the keys.
    public var yaml: String {
        let header = ["# TRL 1.16: trl dpo --config trl_config.yaml (run from this folder)", "# Differences from the run here:"]
            + warnings.map { "#   - " + $0 }
        return (header + config.map { "\($0.key): \($0.value)" }).joined(separator: "\n") + "\n"
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
