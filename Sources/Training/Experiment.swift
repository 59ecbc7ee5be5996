import Foundation

/// Everything a run needs, as read from an experiment file. Keys follow TRL's `DPOConfig` names (`beta`,
/// `learning_rate`, `per_device_train_batch_size`, …) so a TRL user reads an experiment without a manual;
/// `ExperimentKeys` lists every key with its range and help, for validation, `--set` and the workbench.
public struct Experiment: Sendable, Equatable {
    /// A Hugging Face model directory, or `builtin:tiny` for a small model created (with a BPE vocabulary trained
    /// on the data) at the start of the run.
    public var model = "builtin:tiny"
    /// A JSONL/JSON preference file, or `builtin:NAME` for a built-in task.
    public var dataset = "builtin:sentiment"
    /// A held-out file; without one, a built-in task uses its held-out split and a file `eval_fraction` of itself.
    public var evalDataset: String?
    public var evalFraction = 0.0
    /// Pairs drawn from a built-in task for training and for evaluation.
    public var builtinTrainPairs = 2000
    public var builtinEvalPairs = 200
    public var loss = LossSettings()
    public var learningRate = 5e-6
    public var batchSize = 8
    public var evalBatchSize = 16
    public var gradientAccumulationSteps = 1
    public var epochs = 1.0
    /// Overrides `epochs` when positive.
    public var maxSteps = -1
    public var maxLength = 512
    public var maxPromptLength = 256
    public var truncationMode = "keep_end"
    public var warmupSteps = 0
    public var scheduler = LearningRateSchedule.linear
    public var maxGradNorm = 1.0
    public var seed = 42
    /// TRL's `train_sampling_strategy`: `random` shuffles the pairs each epoch (seeded), `sequential` takes them in
    /// file order, as a TRL run given the same value does.
    public var trainSamplingStrategy = "random"
    /// 0 disables periodic evaluation (one evaluation still runs at the end).
    public var evalSteps = 0
    /// Also evaluate before the first step (TRL's `eval_on_start`), for a before/after comparison.
    public var evalOnStart = false
    public var saveSteps = 500
    public var loggingSteps = 1
    public var outputDir = "experiments/runs"
    public var runName: String?
    /// A checkpoint folder (a run's `checkpoints/step-N`) whose weights, or LoRA adapter, the policy starts from;
    /// the reference stays `model` (after its SFT stage), so a cloned run continues where the other left off while
    /// its KL is still measured from the same model.
    public var initFrom: String?
    public var optimizer = OptimizerSettings()
    public var sft = SFTSettings()
    /// Low-rank adapters instead of full fine-tuning when `lora.enabled`; `loraSettings` keeps the `lora.*` values.
    public var loraEnabled = false
    public var loraSettings = LoRASettings()
    public var lora: LoRASettings? { loraEnabled ? loraSettings : nil }
    public var tinyModel = TinyModelSettings()
    public var samples = SampleSettings()
    public var online = OnlineSettings()
    public var rso = RSOSettings()
    public var sppo = SPPOSettings()
    public var sppoEnabled: Bool { loss.lossTypes.contains(.sppo) }
    public var reward = RewardSettings()
    /// When the workbench's warnings fire.
    public var diagnostics = DiagnosticThresholds()
    /// Grid for `dpo sweep`: key name to the values it takes, in file order.
    public var sweep: [SweepAxis] = []
    /// The list form of `sweep:`, for runs no single grid gives (DPO at four β beside SFT and Online DPO at one):
    /// each entry a grid of its own, keys in alphabetical order; `dpo sweep` runs them one after another. Empty
    /// when `sweep:` is a map.
    public var sweepGrids: [[SweepAxis]] = []

    public init() {}
}

/// The supervised fine-tuning stage that precedes DPO (the paper's SFT model), on chosen completions or on a
/// built-in task's corpus. Off by default for a given model, on for `builtin:tiny` (which starts untrained).
public struct SFTSettings: Sendable, Equatable {
    public var enabled: Bool?
    public var learningRate = 1e-3
    public var maxSteps = 300
    public var batchSize = 16
    public init() {}
}

/// Low-rank adapters on linear layers; the reference is then the base model with adapters off.
public struct LoRASettings: Sendable, Equatable {
    public var rank = 8
    public var alpha = 16.0
    public var targetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    public init() {}
}

/// The shape of the model `builtin:tiny` creates.
public struct TinyModelSettings: Sendable, Equatable {
    public var vocabSize = 1024
    public var hiddenSize = 128
    public var layers = 4
    public var heads = 4
    public var intermediateSize = 352
    public init() {}
}

/// Samples from held-out prompts at each evaluation: policy and reference completions, with the ground-truth
/// reward when the task has one.
public struct SampleSettings: Sendable, Equatable {
    public var prompts = 32
    public var maxNewTokens = 32
    public var temperature = 1.0
    public var topK: Int?
    public var topP: Double?
    public init() {}
}

/// Online DPO (Guo et al. 2024, as TRL's `OnlineDPOTrainer`): each step samples two completions per prompt from
/// the current policy, a judge scores them, and the higher-scored one is chosen.
public struct OnlineSettings: Sendable, Equatable {
    public var enabled = false
    /// The scorer: `ground_truth` is a built-in task's own reward.
    public var judge = "ground_truth"
    public var maxNewTokens = 32
    /// TRL's default.
    public var temperature = 0.9
    public var topP: Double?
    /// Subtracted from the score of a completion that never reaches EOS (TRL's `missing_eos_penalty`).
    public var missingEOSPenalty: Double?
    public init() {}
}

/// RSO (Liu et al. 2024): before the preference stage, `candidates` completions of each of `prompts` training
/// prompts are sampled from the SFT policy, judged, `samples` of them kept by statistical rejection sampling with
/// β_RS = `beta` (in reward units), and paired by `ranking`; the run then trains on those pairs.
public struct RSOSettings: Sendable, Equatable {
    public var enabled = false
    public var prompts = 256
    public var candidates = 64
    public var samples = 8
    public var beta = 0.1
    public var ranking = PairRanking.tournament
    public var maxNewTokens = 32
    public var temperature = 1.0
    public init() {}
}

/// SPPO (Wu et al. 2024, as the authors' scripts run it): `iterations` rounds, each a fresh training job. Round t
/// takes its own `prompts` training prompts, samples `samples` completions of each from π_t (the policy at the
/// round's start), has the judge estimate each completion's win probability against the others, pairs the
/// likeliest winner with the likeliest loser, and trains on those pairs against π_t as the reference, with a fresh
/// optimizer and learning-rate schedule (`max_steps` / `num_train_epochs` count per round).
/// Chosen by `loss_type: sppo`, alone (the loss needs the rounds' win probabilities).
public struct SPPOSettings: Sendable, Equatable {
    public var iterations = 3
    public var prompts = 256
    public var samples = 5
    /// `ground_truth` (a built-in task's reward), `reward_model:DIR` or `implicit_reward:RUN` (see `JudgeSpec`).
    public var judge = "ground_truth"
    public var maxNewTokens = 32
    /// The authors' generation settings.
    public var temperature = 0.7
    public var topP: Double? = 0.9
    public init() {}
}

/// Bradley–Terry reward-model training (`dpo reward train`) on the experiment's pairs. The schedule, warmup,
/// clipping, optimizer moments, weight decay, seed and evaluation batch size are the experiment's own keys.
public struct RewardSettings: Sendable, Equatable {
    public var maxSteps = 300
    public var learningRate = 1e-4
    /// Pairs per step (each is two scored sequences).
    public var batchSize = 16
    /// 0 evaluates at the end only.
    public var evalSteps = 50
    public init() {}
}

/// One key of a sweep and the values it takes, each kept as the text it would have after `--set key=`.
public struct SweepAxis: Sendable, Equatable {
    public var key: String
    public var values: [String]
    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }
}

public struct ExperimentError: Error, Sendable, Equatable, CustomStringConvertible {
    public let key: String?
    public let message: String
    public init(key: String?, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { key.map { "\($0): \(message)" } ?? message }
}
