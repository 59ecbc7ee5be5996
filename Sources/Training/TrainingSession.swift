import Determinism
import Foundation
import Model
import Preference
import Tokenizer

/// One run from start to end: resolve the tokenizer, data and model; the SFT stage when enabled; reference
/// log-probs (cached); the preference stage; the final model and report. Every stage writes into the run
/// directory, and a stopped run picks up where it stood (`reopen` then `execute`).
public final class TrainingSession {
    public let experiment: Experiment
    public var run: RunDirectory { lifecycle.run }
    private let lifecycle: RunLifecycle
    var control: RunControl { lifecycle.control }
    var emit: @Sendable (TrainerEvent) -> Void { lifecycle.emit }
    private var status: StatusReporter { lifecycle.status }

    init(experiment: Experiment, lifecycle: RunLifecycle) {
        self.experiment = experiment
        self.lifecycle = lifecycle
    }

    /// A new run directory for `experiment` under its `output_dir`, with `config.yaml` and a queued status.
    public static func create(
        _ experiment: Experiment, control: RunControl, emit: @escaping @Sendable (TrainerEvent) -> Void
    ) throws -> TrainingSession {
        let lifecycle = try RunLifecycle.create(experiment, name: experiment.defaultRunName, stage: .prepare, control: control, emit: emit)
        return TrainingSession(experiment: experiment, lifecycle: lifecycle)
    }

    /// An existing run, to resume it from its newest checkpoint with the configuration it was started with.
    /// Refused while another process or session trains it, for a reward-model run (which keeps no checkpoint),
    /// and for a finished run unless `force` (which trains its last steps again from its newest checkpoint).
    public static func reopen(
        _ url: URL, force: Bool = false, control: RunControl, emit: @escaping @Sendable (TrainerEvent) -> Void
    ) throws -> TrainingSession {
        let run = RunDirectory(url: url)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent(RunDirectory.configFile).path) else {
            throw TrainingError("\(url.path) is not a run directory (it has no config.yaml)")
        }
        let lock = try RunLock.acquire(run)
        let status = run.readStatus()
        if status?.stage == .reward {
            throw TrainingError("\(url.path) is a reward-model run, which keeps no checkpoint: start it again with dpo reward train")
        }
        if status?.state == .finished, !force {
            throw TrainingError("\(url.path) has finished; resuming trains its last steps again from its newest checkpoint: "
                                + "add --force to do that")
        }
        try? FileManager.default.removeItem(at: run.stopRequestURL)
        let lifecycle = RunLifecycle(run: run, lock: lock, control: control, emit: emit)
        return TrainingSession(experiment: try run.readConfig(), lifecycle: lifecycle)
    }

    /// Runs to the end, a stop or an error, always leaving `status.json` in a final state that names the stage
    /// and step reached, then releases the run.
    @discardableResult
    public func execute() -> RunState { lifecycle.execute(stages) }

    private func stages() throws -> RunState {
        try status.report(.running, stage: .prepare, step: 0, total: 0, force: true)
        let resolution = ExperimentResolution(experiment)
        try resolution.checkFiles()
        let tokenizer = try resolveTokenizer(resolution)
        FaultPoint.prepare.reached()
        let data = try resolution.data(tokenizer: tokenizer)
        say("data: \(data.train.count) training pairs, \(data.eval.count) held-out pairs (\(data.description))")
        var model = try resolveModel(resolution, tokenizer: tokenizer)
        try ContextFit.check(data.train + data.eval, maxPositions: model.config.maxPositions)
        say("model: \(model.parameterCount) parameters (\(model.config.layers) layers, hidden \(model.config.hiddenSize), vocab \(model.config.vocabSize))")
        if experiment.sftEnabled, !FileManager.default.fileExists(atPath: run.sftURL.path) {
            guard let tuned = try supervisedFineTuning(model: model, data: data, tokenizer: tokenizer) else { return .stopped }
            model = tuned
        }
        if let lora = experiment.lora {
            let targets = lora.targetModules.compactMap(LoRATarget.init(rawValue:))
            model.attach(LoRAAdapters(config: model.config, rank: lora.rank, alpha: lora.alpha, targets: targets,
                                      seed: UInt64(experiment.seed)))
            say("lora: rank \(lora.rank), alpha \(format(lora.alpha)) on \(lora.targetModules.joined(separator: ", ")): "
                + "\(model.adapters!.count) trainable parameters; the base model is frozen and is the reference")
        }
        if let warning = data.warning { say(warning) }
        var train = data.train
        if experiment.rso.enabled {
            guard let task = data.task else {
                throw ExperimentError(key: "rso.enabled", "RSO's judge is a built-in task's reward: the dataset must be builtin:sentiment or builtin:arithmetic")
            }
            let rso: RSOPairs
            do {
                rso = try rsoPairs(model: model, prompts: Array(data.train.prefix(experiment.rso.prompts)), tokenizer: tokenizer,
                                   judge: GroundTruthJudge(task: task))
            } catch is StopDuringPreparation {
                say("stopped while sampling RSO pairs (they are sampled again, identically); resume with: dpo train --resume \(run.url.path)")
                return .stopped
            }
            train = rso.tokenizedPairs
            say(rso.report + String(format: ", β_RS %@", format(experiment.rso.beta)))
        }
        if experiment.sppoEnabled { train = Array(data.train.prefix(experiment.sppo.prompts)) }
        let stage = PreferenceStage(experiment: experiment, model: model, train: train, eval: data.eval,
                                    reference: nil, run: run, control: control, emit: emit)
        stage.trainLabels = data.trainLabels
        stage.evalLabels = data.evalLabels
        if experiment.online.enabled {
            let judge = try JudgeSpec(experiment.online.judge).resolve(task: data.task, key: "online.judge")
            stage.online = OnlinePairs(settings: experiment.online, seed: experiment.seed, tokenizer: tokenizer, judge: judge)
            stage.referenceModel = try model.copy()
            say("online dpo: 2 completions per prompt from the policy each step, judged by \(stage.online!.judge.name); "
                + "the reference model stays in memory")
        }
        if experiment.sppoEnabled {
            let judge = try JudgeSpec(experiment.sppo.judge).resolve(task: data.task, key: "sppo.judge")
            stage.sppo = SPPOSchedule(settings: experiment.sppo, seed: experiment.seed, tokenizer: tokenizer, judge: judge, prompts: data.train,
                                      stepsPerRound: PreferenceStage.steps(experiment, pairs: train.count),
                                      directory: run.url.appendingPathComponent("sppo"))
            say("sppo: \(experiment.sppo.iterations) rounds of \(stage.sppo!.stepsPerRound) steps; each samples \(experiment.sppo.samples) "
                + "completions of \(experiment.sppo.prompts) prompts from the policy, judged by \(judge.name); the reference is the policy at the round's start")
        }
        do {
            stage.reference = experiment.online.enabled || experiment.sppoEnabled ? nil : try referenceLogProbs(model: model, stage: stage)
        } catch is StopDuringPreparation {
            say("stopped while computing reference log-probs (progress kept in the cache); resume with: dpo train --resume \(run.url.path)")
            return .stopped
        }
        let samples = SampleWriter(experiment: experiment, tokenizer: tokenizer, task: data.task, prompts: data.samplePrompts, run: run)
        try samples.prepareReference(model: model, resuming: Checkpoint.latest(in: run) != nil)
        stage.sampleEvaluation = { step in
            let metrics = try samples.write(model: model, step: step)
            if !metrics.isEmpty { self.emit(.samples(step: step, count: data.samplePrompts.count)) }
            return metrics
        }
        let total = stage.totalSteps
        stage.onProgress = { state, step in try self.status.report(state, stage: .dpo, step: step, total: total) }
        let start = try stage.resume()
        if start == 0, let checkpoint = experiment.initFrom {
            // After the reference log-probs and samples: those are the reference's, and the reference stays `model`.
            try Checkpoint.loadWeights(URL(fileURLWithPath: checkpoint), into: model)
            say("warm start: the policy starts from \(checkpoint); the reference is \(experiment.model)\(experiment.sftEnabled ? " after SFT" : "")")
        }
        try status.report(.running, stage: .dpo, step: start, total: total, force: true)
        say("dpo: \(experiment.loss.lossTypes.map(\.rawValue).joined(separator: "+")), β \(experiment.loss.beta), "
            + "learning rate \(experiment.learningRate), \(stage.totalSteps) steps" + (start > 0 ? ", resuming after step \(start)" : ""))
        let state = try stage.run(after: start)
        try status.report(.running, stage: .dpo, step: stage.lastStep, total: total)
        guard state == .finished else {
            say("stopped after a checkpoint; resume with: dpo train --resume \(run.url.path)")
            return state
        }
        if let adapters = model.adapters {
            let base = experiment.sftEnabled ? run.sftURL : try experiment.modelDirectory()
            try adapters.save(directory: run.finalURL.appendingPathComponent("adapter"), baseModel: base.path)
            adapters.merge(into: model)
            model.attach(nil)
            say("adapters (PEFT layout): \(run.finalURL.appendingPathComponent("adapter").path); merged into the final model")
        }
        try saveModelDirectory(model, tokenizer: tokenizer, to: run.finalURL)
        FaultPoint.final.reached(stage.lastStep)
        say("final model: \(run.finalURL.path)")
        if let report = samples.report() { say(report) }
        return .finished
    }

    /// The SFT stage, or its model from the shared cache; nil when stopped. The model directory `sft/` appears
    /// whole or not at all (written beside it, then renamed), so a stop, a crash or a full disk while writing it
    /// leaves a run that resumes by training SFT again.
    private func supervisedFineTuning(model: Transformer, data: TrainingData, tokenizer: BPETokenizer) throws -> Transformer? {
        let partial = run.url.appendingPathComponent(".sft.partial")
        try? FileManager.default.removeItem(at: partial)
        let cache = URL(fileURLWithPath: experiment.outputDir).appendingPathComponent(".sft-cache")
            .appendingPathComponent(experiment.sftCacheKey)
        if FileManager.default.fileExists(atPath: cache.appendingPathComponent("config.json").path) {
            try FileManager.default.copyItem(at: cache, to: partial)
            try FileManager.default.moveItem(at: partial, to: run.sftURL)
            say("sft: reused from cache \(experiment.sftCacheKey)")
            return try Transformer.load(directory: run.sftURL)
        }
        let examples = data.sftExamples(tokenizer: tokenizer, maxLength: experiment.maxLength)
        say("sft: \(experiment.sft.maxSteps) steps on \(examples.count) sequences")
        let stage = SFTStage(settings: experiment.sft, seed: experiment.seed, model: model, examples: examples, run: run,
                             control: control, emit: emit)
        let total = experiment.sft.maxSteps
        try status.report(.running, stage: .sft, step: 0, total: total, force: true)
        stage.onProgress = { step in
            try self.status.report(.running, stage: .sft, step: step, total: total)
            FaultPoint.sft.reached(step)
        }
        guard try stage.run() else {
            say("stopped during SFT; resume with: dpo train --resume \(run.url.path) (SFT starts again)")
            return nil
        }
        try saveModelDirectory(model, tokenizer: tokenizer, to: partial)
        try FileManager.default.moveItem(at: partial, to: run.sftURL)
        try storeInCache(run.sftURL, at: cache)
        return model
    }

    // MARK: resolution

    /// The run's own copy of its tokenizer when it has one (a resumed run), else the experiment's, saved into the run.
    private func resolveTokenizer(_ resolution: ExperimentResolution) throws -> BPETokenizer {
        guard experiment.model == "builtin:tiny" else { return try resolution.tokenizer().tokenizer }
        let saved = run.tokenizerURL.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: saved.path) { return try BPETokenizer(contentsOf: saved) }
        let resolved = try resolution.tokenizer()
        try FileManager.default.createDirectory(at: run.tokenizerURL, withIntermediateDirectories: true)
        try resolved.tokenizer.save(to: saved)
        say("tokenizer: \(resolved.origin)")
        return resolved.tokenizer
    }

    /// The SFT model of a resumed run, else the experiment's starting model.
    private func resolveModel(_ resolution: ExperimentResolution, tokenizer: BPETokenizer) throws -> Transformer {
        if FileManager.default.fileExists(atPath: run.sftURL.appendingPathComponent("config.json").path) {
            return try Transformer.load(directory: run.sftURL)
        }
        return try resolution.startingModel(tokenizer: tokenizer)
    }

    private func referenceLogProbs(model: Transformer, stage: PreferenceStage) throws -> ReferenceLogProbs? {
        guard experiment.loss.lossTypes.contains(where: \.needsReference) else { return nil }
        if let saved = try? JSONDecoder().decode(ReferenceLogProbs.self, from: Data(contentsOf: run.referenceURL)) {
            say("reference log-probs: loaded from this run (\(saved.key))")
            return saved
        }
        let needed = stage.visitedPairs
        let key = ReferenceLogProbs.key(model: model, train: stage.train, eval: stage.eval, packing: stage.packing)
        let cache = ReferenceLogProbs.cacheURL(outputDir: URL(fileURLWithPath: experiment.outputDir), key: key)
        var reference = ReferenceLogProbs.load(from: cache, key: key) ?? ReferenceLogProbs(key: key, train: [:], eval: [])
        let started = Date()
        try status.report(.running, stage: .reference, step: 0, total: stage.microBatchCount, force: true)
        let computed = try reference.complete(
            model: model, train: stage.train, batches: stage.microBatchCount, batch: stage.microBatch, eval: stage.eval,
            evalBatchSize: experiment.evalBatchSize, shouldStop: { control.stopRequested },
            progress: { done, total in
                try? self.status.report(.running, stage: .reference, step: done, total: total)
                FaultPoint.reference.reached(done)
            })
        guard reference.isComplete(needed: needed, evalCount: stage.eval.count) else {
            try reference.save(to: cache)
            throw StopDuringPreparation()
        }
        if computed == 0 {
            say("reference log-probs: reused from cache \(key) (\(needed.count + stage.eval.count) pairs)")
        } else {
            try reference.save(to: cache)
            say(String(format: "reference log-probs: computed for %d pairs in %.1f s, cached as %@", computed,
                       Date().timeIntervalSince(started), key))
        }
        try reference.save(to: run.referenceURL)
        return reference
    }

    /// RSO's pairs from this run's file when it has one (a resume), else made from the SFT policy and kept: the
    /// token ids in `rso_pairs.json`, the texts in `generated_pairs.jsonl`.
    private func rsoPairs(model: Transformer, prompts: [TokenizedPair], tokenizer: BPETokenizer, judge: any Judge) throws -> RSOPairs {
        let url = run.url.appendingPathComponent(RSOPairs.fileName)
        if let saved = try? JSONDecoder().decode(RSOPairs.self, from: Data(contentsOf: url)) { return saved }
        try status.report(.running, stage: .sample, step: 0, total: prompts.count, force: true)
        let rso = try RSOPairs.make(policy: model, prompts: prompts, tokenizer: tokenizer, judge: judge, settings: experiment.rso,
                                    seed: experiment.seed) { done, total in
            try self.status.report(.running, stage: .sample, step: done, total: total)
            if self.control.stopRequested { throw StopDuringPreparation() }
        }
        // No "step": these pairs come before training, so no resume cuts them back.
        try run.replaceJournal(RunDirectory.generatedPairsFile, with: rso.pairs.map { pair in
            ["prompt": tokenizer.decode(pair.prompt, skipSpecialTokens: true), "chosen": tokenizer.decode(pair.chosen, skipSpecialTokens: true),
             "rejected": tokenizer.decode(pair.rejected, skipSpecialTokens: true), "judge": judge.name]
        })
        try AtomicFile.write(try JSONEncoder().encode(rso), to: url)
        return rso
    }

    /// Copies a finished directory into a shared cache: into a hidden sibling first, then renamed, so a reader
    /// never sees half a model. A concurrent run that stored the same key first wins.
    private func storeInCache(_ directory: URL, at cache: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: cache.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = cache.deletingLastPathComponent().appendingPathComponent(".\(cache.lastPathComponent).\(getpid())")
        try? manager.removeItem(at: partial)
        try manager.copyItem(at: directory, to: partial)
        if (try? manager.moveItem(at: partial, to: cache)) == nil { try? manager.removeItem(at: partial) }
    }

    // MARK: reporting

    private func say(_ line: String) { lifecycle.say(line) }

}

/// A stop request that arrived before the first training step.
private struct StopDuringPreparation: Error {}

extension Experiment {
    /// SFT runs when asked, and by default only for `builtin:tiny`, which starts from random weights.
    public var sftEnabled: Bool { sft.enabled ?? (model == "builtin:tiny") }

    /// What decides the SFT stage's result: runs that agree on these (the runs of a β sweep) share one SFT model.
    var sftCacheKey: String {
        var hash = StableHash()
        let keys = ["model", "dataset", "seed", "max_length", "max_prompt_length", "truncation_mode"]
        for key in ExperimentKeys.all where keys.contains(key.name) || key.name.hasPrefix("sft.") || key.name.hasPrefix("tiny.")
            || key.name.hasPrefix("builtin.") {
            hash.combine(key.name)
            hash.combine(key.value(self))
        }
        return hash.hex
    }

    /// The Hugging Face directory of `model`: itself, or for a `.gguf` file the directory imported beside it
    /// (made once). Not for `builtin:tiny`, which has no directory before a run creates it.
    public func modelDirectory() throws -> URL {
        let url = URL(fileURLWithPath: model)
        return url.pathExtension == "gguf" ? try importedGGUFDirectory(file: url) : url
    }

    /// `run_name`, or the loss and β (`sigmoid-beta0.1`; `online-sigmoid-beta0.1` for Online DPO).
    public var defaultRunName: String {
        runName ?? (online.enabled ? "online-" : "") + "\(loss.lossTypes.map(\.rawValue).joined(separator: "+"))-beta\(format(loss.beta))"
    }
}
