import Foundation
import Model
import Preference

/// The preference-optimization loop: batches of pairs → policy log-probs → loss (with cached reference
/// log-probs) → backward → clip → optimizer step → metrics, evaluation, checkpoints. The loss is chosen by
/// `experiment.loss`; this loop is the same for every member of the DPO family.
public final class PreferenceStage {
    public let experiment: Experiment
    public let model: Transformer
    public let optimizer: Optimizer
    public let train: [TokenizedPair]
    public let eval: [TokenizedPair]
    /// For KTO, whether each row of `train` / `eval` is desirable (`KTOExamples`); nil for paired losses.
    public var trainLabels: [Bool]?
    public var evalLabels: [Bool]?
    /// Online DPO: each micro-batch's pairs are sampled from the policy and judged (the rows of `train` only
    /// give their prompts), and `referenceModel` gives their reference log-probs on the same packed batch.
    var online: OnlinePairs?
    var referenceModel: Transformer?
    /// The held-out pairs under `referenceModel`, computed at the first evaluation after the reference is set.
    var onlineEvalReference: [CompletionSums]?
    /// SPPO: rounds of pairs sampled from the policy at each round's start (`SPPOSchedule`), which is then the
    /// round's `referenceModel`; the rows of `train` only count the prompts of a round.
    var sppo: SPPOSchedule?
    var round: (number: Int, data: SPPORound, pairs: [TokenizedPair])?
    /// SPPO's held-out win probabilities (`SPPOSchedule.heldOutProbabilities`), judged once.
    private var heldOutProbabilities: [WinProbabilities]?
    /// Set before `run` for losses that need a reference (computed for `visitedPairs`).
    public var reference: ReferenceLogProbs?
    public let totalSteps: Int
    let runDirectory: RunDirectory
    let control: RunControl
    let emit: @Sendable (TrainerEvent) -> Void
    /// Called at each evaluation with the step, to draw samples; returns their `samples/…` metrics for the row.
    var sampleEvaluation: (Int) throws -> [String: Double] = { _ in [:] }
    /// Called after each step and while paused with the state and the last step taken, for `status.json`.
    var onProgress: (RunState, Int) throws -> Void = { _, _ in }
    /// The last optimizer step taken, for the run's final status.
    public private(set) var lastStep = 0
    private var order: DataOrder

    public init(
        experiment: Experiment, model: Transformer, train: [TokenizedPair], eval: [TokenizedPair],
        reference: ReferenceLogProbs?, run: RunDirectory, control: RunControl,
        emit: @escaping @Sendable (TrainerEvent) -> Void
    ) {
        self.experiment = experiment
        self.model = model
        self.train = train
        self.eval = eval
        self.reference = reference
        self.runDirectory = run
        self.control = control
        self.emit = emit
        optimizer = Optimizer(settings: experiment.optimizer, block: .trainable(model))
        order = DataOrder(count: train.count, seed: UInt64(experiment.seed), shuffled: experiment.trainSamplingStrategy == "random")
        totalSteps = Self.steps(experiment, pairs: train.count) * (experiment.sppoEnabled ? experiment.sppo.iterations : 1)
    }

    /// Optimizer steps over `pairs` pairs: `max_steps` when positive, else `num_train_epochs` over them (for SPPO,
    /// per round).
    static func steps(_ experiment: Experiment, pairs: Int) -> Int {
        let perStep = experiment.batchSize * experiment.gradientAccumulationSteps
        return experiment.maxSteps > 0
            ? experiment.maxSteps : max(1, Int((experiment.epochs * Double(pairs) / Double(perStep)).rounded(.up)))
    }

    /// The training-pair indices the whole run visits, for computing only their reference log-probs.
    public var visitedPairs: [Int] {
        let positions = microBatchCount * experiment.batchSize
        guard positions < train.count else { return Array(0..<train.count) }
        var order = self.order
        return Array(Set(order.batch(start: 0, size: positions))).sorted()
    }

    /// Micro-batches over the whole run: step s's m-th is number (s − 1) · gradient_accumulation_steps + m.
    public var microBatchCount: Int { totalSteps * experiment.gradientAccumulationSteps }

    /// The training-pair indices of micro-batch `j`, in the order they are packed.
    public func microBatch(_ j: Int) -> [Int] { order.batch(start: j * experiment.batchSize, size: experiment.batchSize) }

    /// What decides which pairs share a forward pass, for the reference cache's key.
    public var packing: String {
        "order \(order.seed) \(order.shuffled) micro-batch \(experiment.batchSize) eval-batch \(experiment.evalBatchSize)"
    }

    /// Trains from `step + 1` to the end, or until a stop is requested (then checkpoints). Returns the final state.
    public func run(after step: Int) throws -> RunState {
        emit(.stage(.dpo, totalSteps: totalSteps))
        lastStep = step
        if step == 0, experiment.evalOnStart { try evaluate(step: 0) }
        var window: [String: Double] = [:]
        var windowSteps = 0
        var current = step
        while current < totalSteps {
            if control.stopRequested { return try stop(at: current) }
            if control.pauseRequested {
                try onProgress(.paused, current)
                Thread.sleep(forTimeInterval: 0.2)
                continue
            }
            current += 1
            let metrics: [String: Double]
            do {
                metrics = try trainStep(current)
            } catch is StopWhileSampling {
                return try stop(at: current - 1)
            }
            lastStep = current
            for (key, value) in metrics { window[key, default: 0] += value }
            windowSteps += 1
            if current % experiment.loggingSteps == 0 || current == totalSteps {
                var logged = window.mapValues { $0 / Double(windowSteps) }
                logged["step"] = Double(current)
                logged["epoch"] = epoch(after: current)
                logged["time"] = Date().timeIntervalSince1970
                try runDirectory.append(logged, to: RunDirectory.metricsFile)
                emit(.metrics(stage: .dpo, step: current, values: logged))
                window = [:]
                windowSteps = 0
            }
            try onProgress(.running, current)
            FaultPoint.step.reached(current)
            if experiment.evalSteps > 0 && current % experiment.evalSteps == 0 || sppo?.endsRound(current) == true, current < totalSteps {
                try evaluate(step: current)
                FaultPoint.eval.reached(current)
            }
            if current % experiment.saveSteps == 0, current < totalSteps { try checkpoint(current) }
        }
        try evaluate(step: totalSteps)
        return .finished
    }

    /// One optimizer step over `gradient_accumulation_steps` micro-batches; returns the step's metrics.
    public func trainStep(_ step: Int) throws -> [String: Double] {
        let started = Date()
        let accumulation = experiment.gradientAccumulationSteps
        let batchSize = experiment.batchSize
        if let sppo { try enterRound(sppo.round(of: step), at: step) }
        model.zeroGradients()
        var metrics: [String: Double] = [:]
        var parts: [[String: Double]] = []
        var tokens = 0
        for micro in 0..<accumulation {
            let number = (step - 1) * accumulation + micro
            let indices = microBatch(number)
            var pairs = indices.map { round?.pairs[$0] ?? train[$0] }
            let judged = try online?.pairs(policy: model, prompts: pairs, microBatch: number)
            if let judged { pairs = judged.map(\.pair) }
            let batch = PairBatch(pairs, promptTargets: predictsPrompt)
            let logp = try model.forward(batch.packed)
            let sums = batch.sums(logp, ldAlpha: experiment.loss.ldAlpha, unlikelihood: usesUnlikelihood)
            let referenceSums = try referenceModel.map { batch.sums(try $0.forward(batch.packed)) }
            let inputs = try zip(indices, sums).enumerated().map { row, indexed in
                try pairLogProbs(policy: indexed.1, reference: referenceSums?[row] ?? reference?.train[indexed.0],
                                 pair: "training pair \(indexed.0)")
            }
            var result = batchLoss(inputs, labels: trainLabels.map { labels in indices.map { labels[$0] } },
                                   winProbabilities: round.map { round in indices.map { round.data.pairs[$0].probabilities } })
            if hasReference, trainLabels == nil { result.metrics.merge(pairDiagnostics(inputs, lengths: false)) { $1 } }
            if let judged {
                result.metrics.merge(OnlinePairs.metrics(judged, inputs, beta: experiment.loss.beta)) { $1 }
                try record(judged, step: step)
            }
            model.backward(batch.targetGradients(dChosen: result.dPolicyChosen, dRejected: result.dPolicyRejected,
                                                 scale: 1 / Double(accumulation), ldAlpha: experiment.loss.ldAlpha,
                                                 unlikelihood: usesUnlikelihood ? (result.dRejectedUnlikelihood, logp) : nil,
                                                 dPrompt: result.dPrompt))
            parts.append(result.metrics)
            tokens += pairs.reduce(0) { $0 + $1.prompt.count + $1.chosen.count + $1.rejected.count }
        }
        if trainLabels != nil {
            metrics = combinedKTOMetrics(parts)
        } else {
            for part in parts { for (key, value) in part { metrics[key, default: 0] += value / Double(accumulation) } }
        }
        let norm = gradientNorm(optimizer.block.gradients, count: optimizer.block.count)
        let loss = metrics["loss"] ?? .nan
        guard loss.isFinite, norm.isFinite else {
            let last = Checkpoint.latest(in: runDirectory).map { "step \($0.state.step)" } ?? "none yet"
            throw TrainingError("non-finite \(loss.isFinite ? "gradient norm" : "loss") at step \(step); the update was not applied and the run stopped (last good checkpoint: \(last))")
        }
        let learningRate = experiment.scheduler.rate(
            step: sppo?.stepInRound(step) ?? step, totalSteps: sppo?.stepsPerRound ?? totalSteps, warmupSteps: experiment.warmupSteps,
            base: experiment.learningRate)
        optimizer.update(learningRate: learningRate, gradientScale: clipScale(norm: norm, maximum: experiment.maxGradNorm))
        let seconds = Date().timeIntervalSince(started)
        metrics["grad_norm"] = norm
        metrics["learning_rate"] = learningRate
        metrics["tokens_per_s"] = Double(tokens) / seconds
        metrics["pairs_per_s"] = Double(batchSize * accumulation) / seconds
        if let round { metrics["sppo/iteration"] = Double(round.number) }
        return metrics
    }

    /// Held-out metrics with TRL's `eval_` prefix, into `eval.jsonl`, then samples.
    func evaluate(step: Int) throws {
        guard !eval.isEmpty else { return }
        if let sppo, round == nil { try enterRound(1, at: sppo.firstStep(of: 1)) }
        let sums = try completionSums(model: model, pairs: eval, batchSize: experiment.evalBatchSize, ldAlpha: experiment.loss.ldAlpha,
                                      unlikelihood: usesUnlikelihood, promptTargets: predictsPrompt)
        if let referenceModel, onlineEvalReference == nil {
            onlineEvalReference = try completionSums(model: referenceModel, pairs: eval, batchSize: experiment.evalBatchSize)
        }
        let inputs = try sums.enumerated().map { index, policy in
            let referenceSums = onlineEvalReference?[index] ?? reference.flatMap { index < $0.eval.count ? $0.eval[index] : nil }
            return try pairLogProbs(policy: policy, reference: referenceSums, pair: "held-out pair \(index)")
        }
        if sppo != nil, heldOutProbabilities == nil { heldOutProbabilities = try sppo?.heldOutProbabilities(eval) }
        var evaluated = batchLoss(inputs, labels: evalLabels, winProbabilities: heldOutProbabilities).metrics
        if hasReference, evalLabels == nil { evaluated.merge(pairDiagnostics(inputs, lengths: true)) { $1 } }
        let shown = evalLabels == nil ? evaluated : combinedKTOMetrics([evaluated])
        var values = Dictionary(uniqueKeysWithValues: shown.map { ("eval_" + $0.key, $0.value) })
        values.merge(try sampleEvaluation(step)) { $1 }
        values["step"] = Double(step)
        values["epoch"] = epoch(after: step)
        values["time"] = Date().timeIntervalSince1970
        try runDirectory.append(values, to: RunDirectory.evalFile)
        emit(.evaluation(step: step, values: values))
    }

    /// Whether a configured loss reads the rejected tokens' Σ log(1 − p), which the forward pass's sums then carry.
    private var usesUnlikelihood: Bool { experiment.loss.lossTypes.contains(.unlikelihood) }

    /// Whether ORPO's NLL covers the prompt (`orpo_nll: sequence`), so that batches predict the prompt's tokens.
    private var predictsPrompt: Bool { experiment.loss.orpoNLL == .sequence }

    /// Whether the log-probs are measured against a reference, which the displacement and length diagnostics need.
    private var hasReference: Bool { reference != nil || referenceModel != nil }

    func checkpoint(_ step: Int) throws {
        let url = try Checkpoint.save(
            model: model, optimizer: optimizer,
            state: TrainerState(stage: .dpo, step: step, totalSteps: totalSteps, optimizerStep: optimizer.step), in: runDirectory)
        sppo?.pruneReferences(checkpointAt: step)
        emit(.checkpoint(step: step, path: url.path))
    }

    /// Restores parameters and moments from the newest checkpoint and drops journal lines logged after it; with
    /// no checkpoint it drops every line, since the stage starts again from step 0 (its step-0 evaluation too).
    public func resume() throws -> Int {
        guard let latest = Checkpoint.latest(in: runDirectory), latest.state.stage == .dpo else {
            try runDirectory.truncateJournals(after: -1)
            sppo?.discardRounds(after: 0)
            return 0
        }
        sppo?.discardRounds(after: latest.state.step)
        try Checkpoint.restore(latest.url, state: latest.state, model: model, optimizer: optimizer)
        try runDirectory.truncateJournals(after: latest.state.step)
        emit(.log("resumed from \(latest.url.lastPathComponent)"))
        return latest.state.step
    }

    private func stop(at step: Int) throws -> RunState {
        try checkpoint(step)
        return .stopped
    }

    private func epoch(after step: Int) -> Double {
        Double(step * experiment.batchSize * experiment.gradientAccumulationSteps) / Double(train.count)
    }

    /// The pairs an online step generated, as a TRL-format preference file any run can train on.
    private func record(_ judged: [OnlinePairs.Judged], step: Int) throws {
        for pair in judged {
            try runDirectory.append([
                "step": step, "prompt": pair.prompt, "chosen": pair.chosen, "rejected": pair.rejected,
                "score_chosen": pair.chosenScore, "score_rejected": pair.rejectedScore, "judge": online?.judge.name ?? "",
            ], to: RunDirectory.generatedPairsFile)
        }
    }

    /// The configured loss of a batch. For KTO each row's `chosen` is its completion and its `rejected` the
    /// mismatched completion of the KL term, which gets no gradient (TRL computes it without one).
    private func batchLoss(_ inputs: [PairLogProbs], labels: [Bool]?, winProbabilities: [WinProbabilities]? = nil) -> LossResult {
        if let winProbabilities { return sppoLoss(inputs, winProbabilities: winProbabilities, beta: experiment.loss.beta) }
        guard let labels else { return preferenceLoss(inputs, settings: experiment.loss) }
        let examples = zip(inputs, labels).map {
            UnpairedLogProbs(policy: $0.policyChosen, reference: $0.referenceChosen, tokens: $0.chosenTokens, desirable: $1)
        }
        let mismatched = inputs.map {
            UnpairedLogProbs(policy: $0.policyRejected, reference: $0.referenceRejected, tokens: $0.rejectedTokens, desirable: false)
        }
        let result = ktoLoss(examples, mismatched: mismatched, settings: experiment.loss)
        return LossResult(loss: result.loss, dPolicyChosen: result.dPolicy,
                          dPolicyRejected: Array(repeating: 0, count: inputs.count), metrics: result.metrics)
    }

    /// A loss that needs a reference never runs without one: a missing entry is an error, not a zero.
    private func pairLogProbs(policy: CompletionSums, reference: CompletionSums?, pair: String) throws -> PairLogProbs {
        if reference == nil, experiment.loss.lossTypes.contains(where: \.needsReference) {
            throw TrainingError("no reference log-probs for \(pair): \(experiment.loss.lossTypes.map(\.rawValue).joined(separator: "+")) needs them")
        }
        return PairLogProbs(policyChosen: policy.chosen, policyRejected: policy.rejected,
                     referenceChosen: reference?.chosen ?? 0, referenceRejected: reference?.rejected ?? 0,
                     chosenTokens: policy.chosenTokens, rejectedTokens: policy.rejectedTokens,
                     rejectedUnlikelihood: policy.rejectedUnlikelihood, promptLogProb: policy.prompt ?? 0,
                     promptTokens: policy.promptTokens ?? 0)
    }
}
