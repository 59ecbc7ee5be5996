import Foundation

/// One failure mode's state in a run, from its logged metrics.
public struct Diagnosis: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        case fired, clear
        /// The metrics it needs were not logged (yet, or by this kind of run).
        case unknown
    }

    public var kind: DiagnosticKind
    public var verdict: Verdict
    /// The numbers behind the verdict, for a person ("chosen −37.2 nats below the reference on 94% of pairs").
    public var detail: String
    /// The step of the values it read.
    public var step: Double?

    public init(kind: DiagnosticKind, verdict: Verdict, detail: String, step: Double? = nil) {
        self.kind = kind
        self.verdict = verdict
        self.detail = detail
        self.step = step
    }
}

/// Every failure mode of `DiagnosticKind`, judged from a run's training and held-out metrics (`metrics.jsonl`,
/// `eval.jsonl`: the `diagnostics/…` and `samples/…` values the trainer logs, and TRL's own). A pure function, so the
/// workbench, `dpo watch` and the tests judge a run the same way.
public func diagnose(train: MetricTable, eval: MetricTable, thresholds: DiagnosticThresholds) -> [Diagnosis] {
    let reader = MetricReader(train: train, eval: eval)
    return DiagnosticKind.allCases.map { kind in
        switch kind {
        case .displacement: reader.displacement(thresholds)
        case .length: reader.length(thresholds)
        case .collapse: reader.collapse(thresholds)
        case .drift: reader.drift(thresholds)
        case .betaIdle: reader.betaIdle(thresholds)
        case .overfitting: reader.overfitting(thresholds)
        case .rewardHacking: reader.rewardHacking(thresholds)
        case .degenerate: reader.degenerate(thresholds)
        }
    }
}

/// The latest values of a run's two tables, as the rules read them.
private struct MetricReader {
    let train: MetricTable
    let eval: MetricTable

    /// The held-out value at the latest evaluation that logged `key`, with its step.
    func latestEval(_ key: String) -> (value: Double, step: Double)? {
        guard let column = eval.column(key), let index = column.lastIndex(where: \.isFinite) else { return nil }
        return (column[index], eval.steps[index])
    }

    /// `eval_<key>` at the latest evaluation, else the mean of the last (up to) ten logged training values of `key`,
    /// at the latest one's step. One training batch is a few pairs: on the retuned demo a single batch of 16 pairs
    /// read 11 nats of displacement between batches of 7, and the warning flickered on before the first evaluation.
    func latest(_ key: String) -> (value: Double, step: Double)? {
        if let held = latestEval("eval_" + key) { return held }
        guard let column = train.column(key), let index = column.lastIndex(where: \.isFinite),
              let mean = Self.recentMean(column[...index])
        else { return nil }
        return (mean, train.steps[index])
    }

    /// The mean of the last (up to) ten finite values of `values`, nil when it has none: what the rules read of
    /// training metrics, each step's value being one small batch.
    private static func recentMean(_ values: ArraySlice<Double>) -> Double? {
        let recent = values.reversed().lazy.filter(\.isFinite).prefix(10)
        return recent.isEmpty ? nil : recent.reduce(0, +) / Double(recent.count)
    }

    /// A metric of the evaluation at `step`.
    func eval(_ key: String, at step: Double) -> Double? {
        guard let index = eval.steps.lastIndex(of: step), let value = eval.column(key)?[index], value.isFinite else { return nil }
        return value
    }

    func displacement(_ limits: DiagnosticThresholds) -> Diagnosis {
        guard let shift = latest("diagnostics/chosen_shift"), let fell = latest("diagnostics/chosen_fell") else {
            return Diagnosis(kind: .displacement, verdict: .unknown, detail: "needs a loss with a reference")
        }
        let fired = shift.value <= -limits.displacementNats && fell.value >= limits.displacementShare
        var detail = String(format: "chosen log-prob %+.1f nats from the reference, lower on %.0f%% of pairs", shift.value, 100 * fell.value)
        if let accuracy = eval("eval_rewards/accuracies", at: shift.step) { detail += String(format: ", accuracy %.2f", accuracy) }
        return Diagnosis(kind: .displacement, verdict: fired ? .fired : .clear, detail: detail, step: shift.step)
    }

    func length(_ limits: DiagnosticThresholds) -> Diagnosis {
        let correlation = latestEval("eval_diagnostics/length_correlation")
        let length = latestEval("samples/length")
        let ratio = length.flatMap { length in eval("samples/reference_length", at: length.step).map { length.value / $0 } }
        guard correlation != nil || ratio != nil else {
            return Diagnosis(kind: .length, verdict: .unknown, detail: "needs held-out pairs with a reference, or samples")
        }
        var parts: [String] = []
        if let correlation { parts.append(String(format: "margin–length correlation %.2f", correlation.value)) }
        if let ratio { parts.append(String(format: "samples %.2f× the reference's length", ratio)) }
        let fired = (correlation?.value ?? -1) >= limits.lengthCorrelation || (ratio ?? 0) >= limits.lengthRatio
        return Diagnosis(kind: .length, verdict: fired ? .fired : .clear, detail: parts.joined(separator: ", "),
                         step: correlation?.step ?? length?.step)
    }

    func collapse(_ limits: DiagnosticThresholds) -> Diagnosis {
        let entropy = latestEval("samples/entropy"), distinct = latestEval("samples/distinct_2")
        guard let step = entropy?.step ?? distinct?.step else {
            return Diagnosis(kind: .collapse, verdict: .unknown, detail: "needs samples (samples.prompts)")
        }
        var parts: [String] = []
        var fired = false
        for (name, value, referenceKey) in [("entropy", entropy, "samples/reference_entropy"), ("distinct-2", distinct, "samples/reference_distinct_2")] {
            guard let value else { continue }
            if let reference = eval(referenceKey, at: value.step) {
                parts.append(String(format: "%@ %.2f (reference %.2f)", name, value.value, reference))
                fired = fired || value.value < limits.diversityRatio * reference
            } else {
                parts.append(String(format: "%@ %.2f", name, value.value))
            }
        }
        if let repetition = eval("samples/repetition", at: step) { parts.append(String(format: "repeated 4-grams %.0f%%", 100 * repetition)) }
        return Diagnosis(kind: .collapse, verdict: fired ? .fired : .clear, detail: parts.joined(separator: ", "), step: step)
    }

    func drift(_ limits: DiagnosticThresholds) -> Diagnosis {
        guard let kl = latestEval("samples/kl") else {
            return Diagnosis(kind: .drift, verdict: .unknown, detail: "needs samples and a reference model")
        }
        var detail = String(format: "KL %.1f nats per sample", kl.value)
        if let perToken = eval("samples/kl_per_token", at: kl.step) { detail += String(format: " (%.2f per token)", perToken) }
        detail += String(format: ", limit %g", limits.klMax)
        return Diagnosis(kind: .drift, verdict: kl.value > limits.klMax ? .fired : .clear, detail: detail, step: kl.step)
    }

    /// A loss of β·Δ (DPO's sigmoid, IPO, hinge, …) has the gradient ℓ′(0)·β·∇Δ while β·Δ ≈ 0: its direction is
    /// the same for every β, and Adam cancels the scale, so until the margin nears 1 the run is β's path for any
    /// smaller β too. Judged for losses with a reference only (those that log the chosen shift): Preferred-FT and
    /// Unlikelihood log a margin but have no KL term to act.
    func betaIdle(_ limits: DiagnosticThresholds) -> Diagnosis {
        guard latest("diagnostics/chosen_shift") != nil, let kl = latestEval("samples/kl"),
              let margin = eval("eval_rewards/margins", at: kl.step) ?? latest("rewards/margins")?.value
        else {
            return Diagnosis(kind: .betaIdle, verdict: .unknown, detail: "needs samples and a loss with a reference")
        }
        let fired = margin < limits.idleMargin && kl.value > limits.idleKL
        let detail = String(format: "implicit margin β·Δ %.2f at KL %.1f nats per sample", margin, kl.value)
        return Diagnosis(kind: .betaIdle, verdict: fired ? .fired : .clear, detail: detail, step: kl.step)
    }

    func overfitting(_ limits: DiagnosticThresholds) -> Diagnosis {
        guard let losses = eval.column("eval_loss"), losses.filter(\.isFinite).count >= 2,
              let bestIndex = losses.indices.filter({ losses[$0].isFinite }).min(by: { losses[$0] < losses[$1] }),
              let latestIndex = losses.lastIndex(where: \.isFinite)
        else {
            return Diagnosis(kind: .overfitting, verdict: .unknown, detail: "needs two evaluations")
        }
        let best = losses[bestIndex], latest = losses[latestIndex]
        let bestStep = eval.steps[bestIndex], latestStep = eval.steps[latestIndex]
        let trainAtBest = trainLoss(upTo: bestStep), trainNow = trainLoss(upTo: latestStep)
        var detail = String(format: "held-out loss %.3f, best %.3f at step %.0f", latest, best, bestStep)
        if let epoch = eval("epoch", at: bestStep) { detail += String(format: " (epoch %.2f)", epoch) }
        if let trainNow { detail += String(format: ", train–eval gap %.3f", latest - trainNow) }
        let trainFell = trainAtBest.flatMap { before in trainNow.map { $0 < before } } ?? false
        let fired = latest - best >= limits.overfitRise && trainFell
        return Diagnosis(kind: .overfitting, verdict: fired ? .fired : .clear, detail: detail, step: latestStep)
    }

    /// The mean training loss of the (up to) ten logged steps ending at `step`. Steps are in order, so it looks back
    /// from the last one at or before `step` instead of reading the whole run (the screens judge every frame).
    private func trainLoss(upTo step: Double) -> Double? {
        guard let column = train.column("loss") else { return nil }
        var low = 0, high = train.steps.count
        while low < high {
            let middle = (low + high) / 2
            if train.steps[middle] <= step { low = middle + 1 } else { high = middle }
        }
        return Self.recentMean(column[..<low])
    }

    func rewardHacking(_ limits: DiagnosticThresholds) -> Diagnosis {
        guard let reward = latestEval("samples/reward"), let reference = eval("samples/reference_reward", at: reward.step) else {
            return Diagnosis(kind: .rewardHacking, verdict: .unknown, detail: "needs a task with a ground-truth reward")
        }
        let margin = eval("eval_rewards/margins", at: reward.step)
        var detail = String(format: "ground-truth reward %.3f (reference %.3f)", reward.value, reference)
        if let margin { detail += String(format: ", implicit margin %.2f", margin) }
        let fired = (margin ?? -.infinity) >= limits.hackingMargin && reward.value <= reference
        return Diagnosis(kind: .rewardHacking, verdict: fired ? .fired : .clear, detail: detail, step: reward.step)
    }

    func degenerate(_ limits: DiagnosticThresholds) -> Diagnosis {
        guard let share = latestEval("samples/degenerate") else {
            return Diagnosis(kind: .degenerate, verdict: .unknown, detail: "needs samples (samples.prompts)")
        }
        let reference = eval("samples/reference_degenerate", at: share.step)
        var detail = String(format: "%.0f%% of samples", 100 * share.value)
        if let reference { detail += String(format: " (reference %.0f%%)", 100 * reference) }
        let fired = share.value > limits.degenerateShare && share.value > (reference ?? 0)
        return Diagnosis(kind: .degenerate, verdict: fired ? .fired : .clear, detail: detail, step: share.step)
    }
}
