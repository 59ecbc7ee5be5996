import Foundation
import Preference

/// Every experiment key: its TRL name, the values it accepts, a one-line help, how to read it and how to set it.
/// Experiment files, `--set key=value`, sweeps and the workbench's Config screen all go through this one table,
/// so a key is validated the same way wherever it comes from.
public struct ExperimentKey: Sendable {
    public let name: String
    public let range: String
    public let help: String
    public let value: @Sendable (Experiment) -> String
    let assign: @Sendable (inout Experiment, Any) throws -> Void
    /// Whether a new value changes the tokenized pairs (so the Data screen loads them again).
    public private(set) var changesData = false
    /// The values the Config screen's ←/→ cycle through, for keys with a fixed set (some depend on the experiment:
    /// the dataset's list keeps the current file); nil for free values.
    public private(set) var choices: (@Sendable (Experiment) -> [String])?

    init(name: String, range: String, help: String, value: @escaping @Sendable (Experiment) -> String,
         assign: @escaping @Sendable (inout Experiment, Any) throws -> Void) {
        self.name = name
        self.range = range
        self.help = help
        self.value = value
        self.assign = assign
    }

    func changingData() -> ExperimentKey {
        var key = self
        key.changesData = true
        return key
    }

    func choosing(_ choices: @escaping @Sendable (Experiment) -> [String]) -> ExperimentKey {
        var key = self
        key.choices = choices
        return key
    }

    public func set(_ experiment: inout Experiment, to raw: Any) throws {
        do {
            try assign(&experiment, raw)
        } catch let error as ValueError {
            throw ExperimentError(key: name, "\(error.message) (accepts \(range))")
        }
    }
}

/// A value that does not fit its key; `ExperimentKey.set` adds the key's name and range.
struct ValueError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

public enum ExperimentKeys {
    public static func named(_ name: String) -> ExperimentKey? { all.first { $0.name == name } }

    public static let all: [ExperimentKey] = [
        text("model", "directory | file.gguf | builtin:tiny", "the starting policy: a Hugging Face model directory, a GGUF file, or a new tiny model", \.model).changingData()
            .choosing { $0.model == "builtin:tiny" ? ["builtin:tiny"] : ["builtin:tiny", $0.model] },
        text("dataset", "file | builtin:NAME", "preference data: JSONL/JSON file or a built-in task (sentiment, arithmetic)", \.dataset).changingData()
            .choosing { experiment in
                let builtins = BuiltinTasks.names.map { "builtin:\($0)" }
                return builtins.contains(experiment.dataset) ? builtins : builtins + [experiment.dataset]
            },
        optionalText("eval_dataset", "file", "held-out pairs for eval_ metrics", \.evalDataset),
        optionalText("init_from", "checkpoint folder", "warm start: the policy starts from a run's checkpoints/step-N; the reference stays model", \.initFrom),
        number("eval_fraction", "0 ≤ x < 1", "share of a dataset file held out for evaluation when there is no eval_dataset", \.evalFraction) { $0 >= 0 && $0 < 1 },
        integer("builtin.train_pairs", "≥ 1", "training pairs drawn from a built-in task", \.builtinTrainPairs) { $0 >= 1 }.changingData(),
        integer("builtin.eval_pairs", "≥ 0", "held-out pairs drawn from a built-in task", \.builtinEvalPairs) { $0 >= 0 },
        ExperimentKey(
            name: "loss_type", range: LossType.allCases.map(\.rawValue).joined(separator: "|") + " or a list",
            help: "the preference loss (sigmoid is DPO; a list combines several with loss_weights; sppo runs SPPO's rounds)",
            value: { $0.loss.lossTypes.map(\.rawValue).joined(separator: ",") },
            assign: { experiment, raw in
                let names = try stringList(raw)
                guard !names.isEmpty else { throw ValueError("needs at least one loss") }
                experiment.loss.lossTypes = try names.map { name in
                    guard let type = LossType(rawValue: name) else { throw ValueError("unknown loss '\(name)'") }
                    return type
                }
            }).choosing { _ in LossType.allCases.map(\.rawValue) },
        ExperimentKey(
            name: "loss_weights", range: "list of numbers \(LossSettings.Ranges.lossWeight.text()), one per loss_type",
            help: "weights of combined losses",
            value: { $0.loss.lossWeights.map { $0.map { format($0) }.joined(separator: ",") } ?? "" },
            assign: { experiment, raw in
                let weights = try (raw as? [Any] ?? [raw]).map { try double($0) }
                guard weights.allSatisfy(LossSettings.Ranges.lossWeight.contains) else { throw ValueError("a weight is out of range") }
                experiment.loss.lossWeights = weights
            }),
        number("beta", LossSettings.Ranges.beta, "β: strength of the KL constraint to the reference (DPO paper: 0.1–0.5)", \.loss.beta),
        number("label_smoothing", LossSettings.Ranges.labelSmoothing, "ε: assumed share of flipped preference labels (cDPO, robust, exo_pair)", \.loss.labelSmoothing, symbol: "ε"),
        number("simpo_gamma", LossSettings.Ranges.simpoGamma, "SimPO's target reward margin γ", \.loss.simpoGamma),
        optionalNumber("rpo_alpha", LossSettings.Ranges.rpoAlpha, "weight of an NLL term on chosen completions (RPO)", \.loss.rpoAlpha),
        ExperimentKey(name: "orpo_nll", range: "completion|sequence",
                      help: "tokens of ORPO's NLL: the completion (paper) or prompt + completion (TRL's ORPOTrainer)",
                      value: { $0.loss.orpoNLL.rawValue }) { experiment, raw in
            let value = try string(raw)
            guard let scope = LossSettings.ORPONLL(rawValue: value) else { throw ValueError("'\(value)' is not one of them") }
            experiment.loss.orpoNLL = scope
        }.choosing { _ in LossSettings.ORPONLL.allCases.map(\.rawValue) },
        optionalNumber("rdpo_alpha", LossSettings.Ranges.rdpoAlpha, "R-DPO: margin minus α·(|y_w| − |y_l|), against length exploitation", \.loss.rdpoAlpha),
        optionalNumber("ld_alpha", LossSettings.Ranges.ldAlpha, "LD-DPO: policy log-prob of tokens beyond the shorter completion times α", \.loss.ldAlpha),
        number("desirable_weight", LossSettings.Ranges.desirableWeight, "KTO: weight of the desirable examples' loss", \.loss.desirableWeight),
        number("undesirable_weight", LossSettings.Ranges.undesirableWeight, "KTO: weight of the undesirable examples' loss", \.loss.undesirableWeight),
        number("learning_rate", "> 0", "peak learning rate of the preference stage", \.learningRate) { $0 > 0 },
        integer("per_device_train_batch_size", "≥ 1", "pairs per micro-batch", \.batchSize) { $0 >= 1 },
        integer("per_device_eval_batch_size", "≥ 1", "pairs per evaluation batch", \.evalBatchSize) { $0 >= 1 },
        integer("gradient_accumulation_steps", "≥ 1", "micro-batches per optimizer step", \.gradientAccumulationSteps) { $0 >= 1 },
        number("num_train_epochs", "> 0", "passes over the training pairs (unless max_steps is set)", \.epochs) { $0 > 0 },
        integer("max_steps", "-1 or ≥ 1", "optimizer steps; overrides num_train_epochs when positive", \.maxSteps) { $0 == -1 || $0 >= 1 },
        integer("max_length", "≥ 2", "longest prompt + completion in tokens", \.maxLength) { $0 >= 2 }.changingData(),
        integer("max_prompt_length", "≥ 1", "longest prompt in tokens", \.maxPromptLength) { $0 >= 1 }.changingData(),
        choice("truncation_mode", ["keep_end", "keep_start"], "which end of a long prompt to keep", \.truncationMode).changingData(),
        integer("warmup_steps", "≥ 0", "steps of linear learning-rate warmup", \.warmupSteps) { $0 >= 0 },
        ExperimentKey(
            name: "lr_scheduler_type", range: LearningRateSchedule.allCases.map(\.rawValue).joined(separator: "|"),
            help: "learning-rate decay after warmup", value: { $0.scheduler.rawValue },
            assign: { experiment, raw in
                guard let schedule = LearningRateSchedule(rawValue: try string(raw)) else { throw ValueError("unknown schedule") }
                experiment.scheduler = schedule
            }).choosing { _ in LearningRateSchedule.allCases.map(\.rawValue) },
        number("max_grad_norm", "≥ 0 (0 = off)", "clip gradients to this global norm", \.maxGradNorm) { $0 >= 0 },
        integer("seed", "≥ 0", "seeds initialization, data order and sampling", \.seed) { $0 >= 0 }.changingData(),
        choice("train_sampling_strategy", ["random", "sequential"], "pairs shuffled each epoch, or in file order (to follow a TRL run's batches)",
               \.trainSamplingStrategy),
        integer("eval_steps", "≥ 0 (0 = at the end only)", "evaluate every N steps", \.evalSteps) { $0 >= 0 },
        boolean("eval_on_start", "evaluate once before the first step too", \.evalOnStart),
        integer("save_steps", "≥ 1", "checkpoint every N steps", \.saveSteps) { $0 >= 1 },
        integer("logging_steps", "≥ 1", "log metrics every N steps", \.loggingSteps) { $0 >= 1 },
        text("output_dir", "directory", "where runs are written", \.outputDir),
        optionalText("run_name", "text", "prefix of the run's directory name", \.runName),
        ExperimentKey(
            name: "optim", range: "adamw_torch|rmsprop", help: "optimizer (the DPO paper used RMSprop)",
            value: { $0.optimizer.kind == .adamw ? "adamw_torch" : "rmsprop" },
            assign: { experiment, raw in
                switch try string(raw) {
                case "adamw", "adamw_torch": experiment.optimizer.kind = .adamw
                case "rmsprop": experiment.optimizer.kind = .rmsprop
                default: throw ValueError("unknown optimizer")
                }
            }).choosing { _ in ["adamw_torch", "rmsprop"] },
        number("weight_decay", "≥ 0", "decoupled weight decay (not applied to norm gains)", \.optimizer.weightDecay) { $0 >= 0 },
        number("adam_beta1", "0 ≤ x < 1", "AdamW β₁", \.optimizer.beta1) { $0 >= 0 && $0 < 1 },
        number("adam_beta2", "0 ≤ x < 1", "AdamW β₂", \.optimizer.beta2) { $0 >= 0 && $0 < 1 },
        number("adam_epsilon", "> 0", "AdamW and RMSprop ε", \.optimizer.epsilon) { $0 > 0 },
        ExperimentKey(
            name: "precompute_ref_log_probs", range: "true",
            help: "reference log-probs are computed once, in the training step's packing, and cached on disk",
            value: { _ in "true" },
            assign: { _, raw in
                // TRL's false computes them batch by batch; here they are exactly the step's own either way, so
                // false would change nothing but the time: it is refused rather than silently ignored.
                guard try bool(raw) else {
                    throw ValueError("false is not available: the reference pass always runs once, packed as the steps pack")
                }
            }),
        optionalBoolean("sft.enabled", "run supervised fine-tuning first (default: only for builtin:tiny)", \.sft.enabled),
        number("sft.learning_rate", "> 0", "SFT learning rate", \.sft.learningRate) { $0 > 0 },
        integer("sft.max_steps", "≥ 0", "SFT optimizer steps", \.sft.maxSteps) { $0 >= 0 },
        integer("sft.batch_size", "≥ 1", "SFT sequences per step", \.sft.batchSize) { $0 >= 1 },
        integer("tiny.vocab_size", "300…131072", "BPE vocabulary of builtin:tiny (trained on the data)", \.tinyModel.vocabSize) { (300...131_072).contains($0) }.changingData(),
        integer("tiny.hidden_size", "8…4096, even per head", "builtin:tiny width", \.tinyModel.hiddenSize) { (8...4096).contains($0) },
        integer("tiny.num_hidden_layers", "1…64", "builtin:tiny depth", \.tinyModel.layers) { (1...64).contains($0) },
        integer("tiny.num_attention_heads", "1…64", "builtin:tiny heads", \.tinyModel.heads) { (1...64).contains($0) },
        integer("tiny.intermediate_size", "1…16384", "builtin:tiny MLP width", \.tinyModel.intermediateSize) { (1...16_384).contains($0) },
        integer("samples.prompts", "≥ 0", "held-out prompts sampled at each evaluation", \.samples.prompts) { $0 >= 0 },
        integer("samples.max_new_tokens", "≥ 1", "tokens per sample", \.samples.maxNewTokens) { $0 >= 1 },
        number("samples.temperature", "≥ 0 (0 = greedy)", "sampling temperature", \.samples.temperature) { $0 >= 0 },
        optionalInteger("samples.top_k", "≥ 1", "sample among the k likeliest tokens", \.samples.topK) { $0 >= 1 },
        optionalNumber("samples.top_p", "0 < p ≤ 1", "nucleus sampling", \.samples.topP) { $0 > 0 && $0 <= 1 },
        boolean("online.enabled", "Online DPO: pairs sampled from the policy each step and judged", \.online.enabled),
        judge("online.judge", \.online.judge),
        integer("online.max_new_tokens", "≥ 1", "tokens per online completion", \.online.maxNewTokens) { $0 >= 1 },
        number("online.temperature", "> 0", "sampling temperature of online completions", \.online.temperature) { $0 > 0 },
        optionalNumber("online.top_p", "0 < p ≤ 1", "nucleus sampling of online completions", \.online.topP) { $0 > 0 && $0 <= 1 },
        optionalNumber("online.missing_eos_penalty", "≥ 0", "score subtracted from a completion without EOS", \.online.missingEOSPenalty) { $0 >= 0 },
        boolean("rso.enabled", "RSO: train on pairs made by statistical rejection sampling from the SFT policy", \.rso.enabled),
        integer("rso.prompts", "≥ 1", "training prompts RSO samples for", \.rso.prompts) { $0 >= 1 },
        integer("rso.candidates", "≥ 2", "completions sampled per prompt (the paper's 64)", \.rso.candidates) { $0 >= 2 },
        integer("rso.samples", "≥ 2", "completions kept per prompt by rejection sampling (the paper's 8)", \.rso.samples) { $0 >= 2 },
        number("rso.beta", "> 0", "β_RS in reward units: small keeps the best, large the SFT distribution", \.rso.beta) { $0 > 0 },
        ExperimentKey(
            name: "rso.ranking", range: PairRanking.allCases.map(\.rawValue).joined(separator: "|"),
            help: "pairs from the kept samples: neighbours once, a single-elimination tournament, or every two",
            value: { $0.rso.ranking.rawValue },
            assign: { experiment, raw in
                guard let ranking = PairRanking(rawValue: try string(raw)) else { throw ValueError("unknown ranking") }
                experiment.rso.ranking = ranking
            }).choosing { _ in PairRanking.allCases.map(\.rawValue) },
        integer("rso.max_new_tokens", "≥ 1", "tokens per RSO candidate", \.rso.maxNewTokens) { $0 >= 1 },
        number("rso.temperature", "> 0", "sampling temperature of RSO candidates", \.rso.temperature) { $0 > 0 },
        integer("sppo.iterations", "1…100", "rounds; each round's reference is the policy it starts from", \.sppo.iterations) { (1...100).contains($0) },
        integer("sppo.prompts", "≥ 1", "training prompts per round (each round takes the next ones)", \.sppo.prompts) { $0 >= 1 },
        integer("sppo.samples", "2…64", "completions sampled per prompt (the authors' 5)", \.sppo.samples) { (2...64).contains($0) },
        judge("sppo.judge", \.sppo.judge),
        integer("sppo.max_new_tokens", "≥ 1", "tokens per SPPO completion", \.sppo.maxNewTokens) { $0 >= 1 },
        number("sppo.temperature", "> 0", "sampling temperature of SPPO completions", \.sppo.temperature) { $0 > 0 },
        optionalNumber("sppo.top_p", "0 < p ≤ 1", "nucleus sampling of SPPO completions", \.sppo.topP) { $0 > 0 && $0 <= 1 },
        integer("reward.max_steps", "≥ 1", "reward model (dpo reward train): optimizer steps", \.reward.maxSteps) { $0 >= 1 },
        number("reward.learning_rate", "> 0", "reward model: peak learning rate", \.reward.learningRate) { $0 > 0 },
        integer("reward.batch_size", "≥ 1", "reward model: pairs per step", \.reward.batchSize) { $0 >= 1 },
        integer("reward.eval_steps", "≥ 0 (0 = at the end only)", "reward model: evaluate every N steps", \.reward.evalSteps) { $0 >= 0 },
        number("diagnostics.displacement_nats", "> 0", "warn of likelihood displacement when chosen log-probs fall this far below the reference…", \.diagnostics.displacementNats) { $0 > 0 },
        number("diagnostics.displacement_share", "0 < x ≤ 1", "…on this share of held-out pairs", \.diagnostics.displacementShare) { $0 > 0 && $0 <= 1 },
        number("diagnostics.length_correlation", "-1 ≤ x ≤ 1", "warn of length exploitation at this margin–length correlation…", \.diagnostics.lengthCorrelation) { $0 >= -1 && $0 <= 1 },
        number("diagnostics.length_ratio", "> 1", "…or when samples grow this many times the reference's length", \.diagnostics.lengthRatio) { $0 > 1 },
        number("diagnostics.diversity_ratio", "0 < x < 1", "warn when sample entropy or distinct bigrams fall below this share of the reference's", \.diagnostics.diversityRatio) { $0 > 0 && $0 < 1 },
        number("diagnostics.kl_max", "> 0", "warn when KL(policy ‖ reference) on samples exceeds this, nats per sample", \.diagnostics.klMax) { $0 > 0 },
        number("diagnostics.idle_margin", "> 0", "warn that β is not acting yet while the implicit margin β·Δ is below this…", \.diagnostics.idleMargin) { $0 > 0 },
        number("diagnostics.idle_kl", "> 0", "…and KL(policy ‖ reference) on samples has passed this, nats per sample", \.diagnostics.idleKL) { $0 > 0 },
        number("diagnostics.overfit_rise", "> 0", "warn of over-fitting when held-out loss rises this far above its best", \.diagnostics.overfitRise) { $0 > 0 },
        number("diagnostics.hacking_margin", "> 0", "warn of reward hacking at this implicit margin with no ground-truth gain", \.diagnostics.hackingMargin) { $0 > 0 },
        number("diagnostics.degenerate_share", "0 ≤ x < 1", "warn when more samples than this are invalid UTF-8 or repeat a 4-gram", \.diagnostics.degenerateShare) { $0 >= 0 && $0 < 1 },
        boolean("lora.enabled", "train low-rank adapters instead of every weight", \.loraEnabled),
        integer("lora.r", "≥ 1", "adapter rank", \.loraSettings.rank) { $0 >= 1 },
        number("lora.lora_alpha", "> 0", "adapter scale numerator (update = alpha / r · B·A)", \.loraSettings.alpha) { $0 > 0 },
        ExperimentKey(
            name: "lora.target_modules", range: "list of q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj",
            help: "linear layers that get adapters", value: { $0.loraSettings.targetModules.joined(separator: ",") },
            assign: { experiment, raw in
                let modules = try stringList(raw)
                let known: Set = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
                guard !modules.isEmpty, modules.allSatisfy(known.contains) else { throw ValueError("unknown module in \(modules)") }
                experiment.loraSettings.targetModules = modules
            }),
    ]
}

// MARK: - Key builders

/// A key holding one value of `T`, read by `parse`, shown by `show`, accepted when `valid`.
private func scalar<T: Sendable>(
    _ name: String, _ range: String, _ help: String, _ path: WritableKeyPath<Experiment, T> & Sendable,
    parse: @escaping @Sendable (Any) throws -> T, show: @escaping @Sendable (T) -> String, valid: @escaping @Sendable (T) -> Bool
) -> ExperimentKey {
    ExperimentKey(name: name, range: range, help: help, value: { show($0[keyPath: path]) }) { experiment, raw in
        let value = try parse(raw)
        guard valid(value) else { throw ValueError("\(show(value)) is out of range") }
        experiment[keyPath: path] = value
    }
}

/// The same for an optional value: `null` (or `~`) unsets it.
private func optionalScalar<T: Sendable>(
    _ name: String, _ range: String, _ help: String, _ path: WritableKeyPath<Experiment, T?> & Sendable,
    parse: @escaping @Sendable (Any) throws -> T, show: @escaping @Sendable (T) -> String, valid: @escaping @Sendable (T) -> Bool
) -> ExperimentKey {
    ExperimentKey(name: name, range: range, help: help, value: { $0[keyPath: path].map(show) ?? "" }) { experiment, raw in
        if isNull(raw) { experiment[keyPath: path] = nil; return }
        let value = try parse(raw)
        guard valid(value) else { throw ValueError("\(show(value)) is out of range") }
        experiment[keyPath: path] = value
    }
}

private func number(
    _ name: String, _ range: String, _ help: String, _ path: WritableKeyPath<Experiment, Double> & Sendable,
    valid: @escaping @Sendable (Double) -> Bool
) -> ExperimentKey {
    scalar(name, range, help, path, parse: double, show: format, valid: valid)
}

private func number(
    _ name: String, _ range: ValueRange, _ help: String, _ path: WritableKeyPath<Experiment, Double> & Sendable,
    symbol: String = "x"
) -> ExperimentKey {
    number(name, range.text(symbol), help, path, valid: range.contains)
}

private func optionalNumber(
    _ name: String, _ range: String, _ help: String, _ path: WritableKeyPath<Experiment, Double?> & Sendable,
    valid: @escaping @Sendable (Double) -> Bool
) -> ExperimentKey {
    optionalScalar(name, range, help, path, parse: double, show: format, valid: valid)
}

private func optionalNumber(
    _ name: String, _ range: ValueRange, _ help: String, _ path: WritableKeyPath<Experiment, Double?> & Sendable
) -> ExperimentKey {
    optionalNumber(name, range.text(), help, path, valid: range.contains)
}

private func integer(
    _ name: String, _ range: String, _ help: String, _ path: WritableKeyPath<Experiment, Int> & Sendable,
    valid: @escaping @Sendable (Int) -> Bool
) -> ExperimentKey {
    scalar(name, range, help, path, parse: int, show: { String($0) }, valid: valid)
}

private func optionalInteger(
    _ name: String, _ range: String, _ help: String, _ path: WritableKeyPath<Experiment, Int?> & Sendable,
    valid: @escaping @Sendable (Int) -> Bool
) -> ExperimentKey {
    optionalScalar(name, range, help, path, parse: int, show: { String($0) }, valid: valid)
}

private func text(_ name: String, _ range: String, _ help: String, _ path: WritableKeyPath<Experiment, String> & Sendable) -> ExperimentKey {
    ExperimentKey(name: name, range: range, help: help, value: { $0[keyPath: path] }) { experiment, raw in
        let value = try string(raw)
        guard !value.isEmpty else { throw ValueError("must not be empty") }
        experiment[keyPath: path] = value
    }
}

private func optionalText(_ name: String, _ range: String, _ help: String, _ path: WritableKeyPath<Experiment, String?> & Sendable) -> ExperimentKey {
    ExperimentKey(name: name, range: range, help: help, value: { $0[keyPath: path] ?? "" }) { experiment, raw in
        experiment[keyPath: path] = isNull(raw) ? nil : try string(raw)
    }
}

private func choice(_ name: String, _ options: [String], _ help: String, _ path: WritableKeyPath<Experiment, String> & Sendable) -> ExperimentKey {
    ExperimentKey(name: name, range: options.joined(separator: "|"), help: help, value: { $0[keyPath: path] }) { experiment, raw in
        let value = try string(raw)
        guard options.contains(value) else { throw ValueError("'\(value)' is not one of them") }
        experiment[keyPath: path] = value
    }.choosing { _ in options }
}

/// A judge (`JudgeSpec`): the Config screen's ←/→ offers `ground_truth` and the current value.
private func judge(_ name: String, _ path: WritableKeyPath<Experiment, String> & Sendable) -> ExperimentKey {
    ExperimentKey(name: name, range: JudgeSpec.forms, help: "what scores sampled completions", value: { $0[keyPath: path] }) { experiment, raw in
        let value = try string(raw)
        do {
            _ = try JudgeSpec(value)
        } catch {
            throw ValueError("\(error)")
        }
        experiment[keyPath: path] = value
    }.choosing { experiment in Array(Set(["ground_truth", experiment[keyPath: path]])).sorted() }
}

private func boolean(_ name: String, _ help: String, _ path: WritableKeyPath<Experiment, Bool> & Sendable) -> ExperimentKey {
    ExperimentKey(name: name, range: "true|false", help: help, value: { String($0[keyPath: path]) }) { experiment, raw in
        experiment[keyPath: path] = try bool(raw)
    }.choosing { _ in ["true", "false"] }
}

private func optionalBoolean(_ name: String, _ help: String, _ path: WritableKeyPath<Experiment, Bool?> & Sendable) -> ExperimentKey {
    ExperimentKey(name: name, range: "true|false", help: help, value: { $0[keyPath: path].map(String.init) ?? "" }) { experiment, raw in
        experiment[keyPath: path] = isNull(raw) ? nil : try bool(raw)
    }.choosing { _ in ["true", "false"] }
}

// MARK: - Values from YAML (already typed) or from `--set` text

func isNull(_ raw: Any) -> Bool { raw is NSNull || (raw as? String).map { $0 == "null" || $0 == "~" || $0.isEmpty } == true }

func double(_ raw: Any) throws -> Double {
    let value: Double
    if let number = raw as? Double {
        value = number
    } else if let number = raw as? Int {
        value = Double(number)
    } else if let text = raw as? String, let number = Double(text.trimmingCharacters(in: .whitespaces)) {
        value = number
    } else {
        throw ValueError("'\(raw)' is not a number")
    }
    guard value.isFinite else { throw ValueError("'\(raw)' is not a finite number") }
    return value
}

func int(_ raw: Any) throws -> Int {
    if let value = raw as? Int { return value }
    if let value = raw as? Double, value == value.rounded(), abs(value) < 1e15 { return Int(value) }
    if let text = raw as? String, let value = Int(text.trimmingCharacters(in: .whitespaces)) { return value }
    throw ValueError("'\(raw)' is not an integer")
}

func bool(_ raw: Any) throws -> Bool {
    if let value = raw as? Bool { return value }
    if let text = raw as? String {
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: break
        }
    }
    throw ValueError("'\(raw)' is not true or false")
}

func string(_ raw: Any) throws -> String {
    if let text = raw as? String { return text }
    if raw is Int || raw is Double || raw is Bool { return "\(raw)" }
    throw ValueError("'\(raw)' is not text")
}

func stringList(_ raw: Any) throws -> [String] {
    if let list = raw as? [Any] { return try list.map(string) }
    return try string(raw).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// A number as a person would write it in a config: no trailing zeros, scientific notation for small values.
func format(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
    if abs(value) < 1e-3 { return String(format: "%g", value) }
    return String(value)
}
