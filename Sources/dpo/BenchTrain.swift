import ArgumentParser
import Foundation
import Kernels
import Model
import Preference
import Tokenizer
import Training

/// `dpo bench train`: the real preference step (prefix-shared batches, cached reference log-probs, AdamW) on a
/// model and pair file shared with the TRL peer harness (`bench/`), in file order so that step 1 sees the same
/// pairs on both sides.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "DPO training throughput on a given model and pair file, against same-process sgemm.")

    @Option(help: "Hugging Face model directory with tokenizer.json.") var model: String
    @Option(help: "Preference file (TRL standard JSONL or any supported format).") var data: String
    @Option(help: "Measured optimizer steps (after the warm-up steps).") var steps = 10
    @Option(help: "Unmeasured steps first (TRL's harness uses 2).") var warmup = 2
    @Option(help: "Pairs per step.") var batchSize = 8
    @Option(help: "Longest prompt + completion in tokens.") var maxLength = 256
    @Option(help: "Longest prompt in tokens (default: no limit of its own, as TRL ≥ 1.x; completions are cut to fit max_length).")
    var maxPromptLength: Int?
    @Option(help: "LoRA rank: adapters on every linear layer (lora_alpha 2·rank) and the base model frozen, as PEFT's LoraConfig; 0 trains every weight.")
    var lora = 0
    @Flag(help: "End with one JSON line of the figures.") var json = false

    func validate() throws {
        guard warmup >= 1, steps >= 1 else { throw ValidationError("--warmup and --steps must be at least 1 (step 1 gives the first-step metrics)") }
        guard lora >= 0 else { throw ValidationError("--lora must be 0 (every weight trains) or a rank ≥ 1") }
    }

    func run() throws {
        let location = try ModelLocation(model)
        let tokenizer = try location.loadTokenizer()
        let policy = try location.loadModel()
        let truncation = TruncationSettings(maxLength: maxLength, maxPromptLength: maxPromptLength, mode: .keepEnd)
        let used = batchSize * (steps + warmup)
        let dataset = try PreferenceDataset.load(contentsOf: URL(fileURLWithPath: data), encoder: tokenizer,
                                                 settings: DatasetSettings(onError: .skip, truncation: truncation))
        let pairs = Array(dataset.pairs.prefix(used))
        guard pairs.count == used else { throw ValidationError("\(data) has fewer than \(used) pairs") }
        var experiment = Experiment()
        try experiment.apply(overrides: [
            "per_device_train_batch_size=\(batchSize)", "max_steps=\(steps + warmup)", "beta=0.1", "loss_type=sigmoid",
            "learning_rate=5e-6", "lr_scheduler_type=constant", "max_length=\(maxLength)",
            "max_prompt_length=\(min(maxPromptLength ?? maxLength - 1, maxLength - 1))", "train_sampling_strategy=sequential",
        ])
        // One untimed forward first: the pass a run makes once pays for first touches of the weights and buffers
        // here, which a full epoch spreads over thousands of pairs. The reference pass's ratio is against an
        // sgemm measured just before it, as the steps' are.
        let firstBatch = PairBatch(Array(pairs[0..<batchSize])).packed
        _ = try policy.forward(firstBatch)
        let referenceSgemm = Measure.sgemmGflops(m: firstBatch.rows, k: policy.config.hiddenSize,
                                                 n: 2 * policy.config.intermediateSize, minimumSeconds: 0.15)
        let started = Date()
        var reference = ReferenceLogProbs(key: "bench", train: [:], eval: [])
        _ = try reference.complete(model: policy, train: pairs, batches: pairs.count / batchSize,
                                   batch: { Array($0 * batchSize..<($0 + 1) * batchSize) }, eval: [], evalBatchSize: batchSize)
        let precompute = Date().timeIntervalSince(started)
        let referenceFlops = (0..<pairs.count / batchSize).reduce(0.0) {
            $0 + policy.config.forwardFlops(PairBatch(Array(pairs[$1 * batchSize..<($1 + 1) * batchSize])).packed)
        }
        if lora > 0 {
            policy.attach(LoRAAdapters(config: policy.config, rank: lora, alpha: Double(2 * lora), targets: LoRATarget.allCases, seed: 42))
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dpo-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let stage = PreferenceStage(experiment: experiment, model: policy, train: pairs, eval: [], reference: reference,
                                    run: try RunDirectory.create(in: scratch, name: "bench"), control: RunControl(),
                                    emit: { _ in })
        let first = try stage.trainStep(1)
        for step in stride(from: 2, through: warmup, by: 1) { _ = try stage.trainStep(step) }
        // Each step is paired with an sgemm measurement taken just before it: the machine's speed drifts over
        // seconds, so the ratio is the median of per-step ratios rather than a ratio of two medians.
        var seconds: [Double] = [], sgemm: [Double] = [], ratios: [Double] = [], flops = 0.0, tokens = 0
        for step in (warmup + 1)...(warmup + steps) {
            let batch = Array(pairs[(step - 1) * batchSize..<step * batchSize])
            let packed = PairBatch(batch).packed
            let stepFlops = policy.config.trainingFlops(packed, lora: policy.adapters)
            flops += stepFlops
            tokens += batch.reduce(0) { $0 + 2 * $1.prompt.count + $1.chosen.count + $1.rejected.count }
            // The shape of the step's MLP product: this batch's packed rows × hidden → 2·intermediate.
            sgemm.append(Measure.sgemmGflops(m: packed.rows, k: policy.config.hiddenSize,
                                             n: 2 * policy.config.intermediateSize, minimumSeconds: 0.15))
            seconds.append(try Measure.seconds { _ = try stage.trainStep(step) })
            ratios.append(stepFlops / seconds.last! / 1e9 / sgemm.last!)
        }
        let total = seconds.reduce(0, +)
        let gflops = flops / total / 1e9
        let sgemmRate = Measure.median(sgemm)
        let figures: [String: Double] = [
            "pairs_per_s": Double(batchSize * steps) / total, "tokens_per_s": Double(tokens) / total,
            "seconds_per_step": total / Double(steps), "gflops": gflops, "sgemm_gflops": sgemmRate, "ratio": Measure.median(ratios),
            "peak_rss_mb": Measure.peakResidentMegabytes(), "first_loss": first["loss"] ?? .nan,
            "first_logps_chosen": first["logps/chosen"] ?? .nan, "first_logps_rejected": first["logps/rejected"] ?? .nan,
            "reference_precompute_s": precompute, "reference_pairs": Double(pairs.count),
            "reference_gflops": referenceFlops / precompute / 1e9, "reference_ratio": referenceFlops / precompute / 1e9 / referenceSgemm,
            "lora_rank": Double(lora),
        ]
        print("model: \(location.modelDirectory.path), \(policy.parameterCount) parameters; \(OpenBLASEnvironment.kernels)")
        print("data: \(dataset.report); \(pairs.count) pairs used, \(batchSize) per step, \(warmup) warm-up steps, max_length \(maxLength), max_prompt_length \(maxPromptLength.map(String.init) ?? "none")")
        print(lora > 0 ? "training: LoRA rank \(lora), alpha \(2 * lora) on every linear layer, \(policy.adapters!.count) trainable parameters; the base is frozen"
                       : "training: every weight")
        print(String(format: "reference log-probs precomputed once in %.2f s (not in the step time: cached and shared by runs): "
                     + "%.1f GFLOP, %.1f GFLOP/s, %.2f of sgemm measured just before it (%.1f GFLOP/s)", precompute,
                     referenceFlops / 1e9, figures["reference_gflops"]!, figures["reference_ratio"]!, referenceSgemm))
        print(String(format: "step 1: loss %.6f, logps/chosen %.4f, logps/rejected %.4f", figures["first_loss"]!, figures["first_logps_chosen"]!, figures["first_logps_rejected"]!))
        print(String(format: "%.3f s/step over %d steps: %.2f pairs/s, %.0f real tokens/s (prompt counted for chosen and rejected, as a padded trainer sees them)",
                     figures["seconds_per_step"]!, steps, figures["pairs_per_s"]!, figures["tokens_per_s"]!))
        print(String(format: "model FLOPs on real tokens: %.1f GFLOP/step, %.1f GFLOP/s; sgemm in the same process %.1f GFLOP/s; "
                     + "ratio %.2f (median over steps, each against the sgemm measured just before it)",
                     flops / Double(steps) / 1e9, gflops, sgemmRate, Measure.median(ratios)))
        print(String(format: "peak resident memory: %.0f MiB", figures["peak_rss_mb"]!))
        if json { print(Measure.jsonLine(figures)) }
    }
}
