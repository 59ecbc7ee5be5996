import Foundation

/// How far each β-tuned run (DPO, Online DPO) dominates the baselines that have no β (Preferred-FT, Unlikelihood):
/// the DPO paper's claim for Fig. 2 is that DPO's frontier lies above theirs at every KL.
///
/// A baseline point is dominated by a run when the run reaches at least its reward at no more than its KL
/// (`Frontier.reward(of:atKL:)`): a checkpoint, or a mix of two checkpoints or of a checkpoint and the reference the
/// run starts from. The baseline's own step 0, the reference model itself, is not counted.
public struct FrontierDominance: Sendable, Equatable {
    public var run: FrontierRun
    public var baseline: String
    public var dominated: Int
    public var total: Int
    /// The most reward by which an undominated baseline point is above what the run reaches at its KL: whether the
    /// misses are within the evaluations' sampling noise or beyond it. Nil when every point is dominated (or the
    /// undominated ones lie below any KL the run reaches).
    public var largestShortfall: Double?
    /// The median standard error of one evaluation's reward over the run's and the baseline's points, when logged:
    /// a shortfall within about twice it is within the noise of comparing two evaluations.
    public var rewardSE: Double?

    /// Whether the run dominates every point of the baseline.
    public var isComplete: Bool { total > 0 && dominated == total }
}

extension Frontier {
    /// One row per β-tuned run and baseline method, in the frontier's run order.
    public func dominance() -> [FrontierDominance] {
        let baselines = runs.filter { $0.beta == nil }
        let methods = baselines.map(\.method).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return runs.filter { $0.beta != nil }.flatMap { run in
            methods.map { method in
                let points = baselines.filter { $0.method == method }.flatMap(\.points).filter { $0.step > 0 }
                let reached = points.map { reward(of: run, atKL: $0.kl) }
                let dominated = zip(points, reached)
                    .filter { point, reward in reward.map { $0 >= point.reward } ?? false }.count
                let shortfall = zip(points, reached).compactMap { point, reward in reward.map { point.reward - $0 } }
                    .filter { $0 > 0 }.max()
                let errors = (run.points + points).compactMap(\.rewardSE).sorted()
                return FrontierDominance(run: run, baseline: method, dominated: dominated, total: points.count,
                                         largestShortfall: shortfall,
                                         rewardSE: errors.isEmpty ? nil : errors[errors.count / 2])
            }
        }
    }

    /// The most reward `run` reaches at a KL of at most `kl`: its evaluations (with step 0 the reference it starts
    /// from, at `referenceReward` when the run did not evaluate it) and the lines between any two of them. A policy
    /// that samples from one with probability λ and from the other otherwise has the λ-mix of their rewards
    /// (reward is linear in the policy) at no more than the λ-mix of their KLs (KL is convex), so each line is
    /// reachable; nil when nothing is at or below `kl`.
    public func reward(of run: FrontierRun, atKL kl: Double) -> Double? {
        var points = run.points
        if !points.contains(where: { $0.step == 0 }), let referenceReward {
            points.append(FrontierPoint(step: 0, kl: 0, reward: referenceReward))
        }
        var best = points.filter { $0.kl <= kl }.map(\.reward).max()
        for low in points where low.kl < kl {
            for high in points where high.kl > kl {
                let mixed = low.reward + (high.reward - low.reward) * (kl - low.kl) / (high.kl - low.kl)
                best = max(best ?? mixed, mixed)
            }
        }
        return best
    }

    /// Where β starts to act on `run`: its first evaluation after the start whose held-out margin β·Δ reached
    /// `margin`, or nil when none did (or none logged one). Until then each pair's weight σ(−β·Δ) is near ½ for
    /// every β, so runs that differ only in β share one path (see `DiagnosticKind.betaIdle`).
    public static func braking(_ run: FrontierRun, margin: Double) -> FrontierPoint? {
        run.points.first { $0.step > 0 && ($0.margin ?? -.infinity) >= margin }
    }

    /// The dominance rows as lines: `sigmoid β=0.1: dominates 9/10 of sft (the rest ahead by ≤ 0.012), 10/10 of
    /// unlikelihood; β acts from KL 0.72 (β·Δ 0.31 at step 30)`. `brakeMargin` is the β·Δ from which β counts as
    /// acting (`diagnostics.idle_margin`).
    public func dominanceSummary(brakeMargin: Double = DiagnosticThresholds().idleMargin) -> String {
        let groups = dominanceByRun()
        guard !groups.isEmpty else { return "" }
        var lines = ["Dominance at equal KL (a baseline point is dominated when the run reaches at least its reward at no more KL: a checkpoint, or a mix of two checkpoints or of one and the reference):"]
        for (run, rows) in groups {
            let parts = rows.map { row in
                let noise = row.rewardSE.map { String(format: "; reward SE %.3f", $0) } ?? ""
                let shortfall = row.largestShortfall.map { String(format: " (the rest ahead by ≤ %.3f%@)", $0, noise) } ?? ""
                return "\(row.dominated)/\(row.total) of \(row.baseline)\(shortfall)"
            }
            lines.append("  \(Self.label(run)): dominates \(parts.joined(separator: ", "))" + Self.brakingNote(run, margin: brakeMargin))
        }
        if groups.contains(where: { $0.run.points.contains { $0.margin != nil } }) {
            lines.append(String(format: "β acts from the first evaluation whose held-out β·Δ reached %g (pairs' weights σ(−β·Δ) under %.2f); before it, runs that differ only in β share one path.",
                                brakeMargin, 1 / (1 + exp(brakeMargin))))
        }
        return lines.joined(separator: "\n")
    }

    /// The dominance rows in a line per run, short enough for the rows under the workbench's chart:
    /// `sigmoid β=0.1: 9/10 sft (≤ 0.012 behind), 10/10 unlikelihood; β acts from KL 0.72`.
    public func compactDominance(brakeMargin: Double = DiagnosticThresholds().idleMargin) -> [String] {
        dominanceByRun().map { run, rows in
            let parts = rows.map { row in
                "\(row.dominated)/\(row.total) \(row.baseline)" + (row.largestShortfall.map { String(format: " (≤ %.3f behind)", $0) } ?? "")
            }
            return "\(Self.label(run)): \(parts.joined(separator: ", "))" + Self.brakingNote(run, margin: brakeMargin, detailed: false)
        }
    }

    /// `dominance()` grouped by run, in the frontier's run order.
    private func dominanceByRun() -> [(run: FrontierRun, rows: [FrontierDominance])] {
        dominance().reduce(into: []) { groups, row in
            if groups.last?.run == row.run { groups[groups.count - 1].rows.append(row) } else { groups.append((row.run, [row])) }
        }
    }

    private static func label(_ run: FrontierRun) -> String { "\(run.method) β=\(run.beta.map { "\($0)" } ?? "–")" }

    /// `; β acts from KL 0.72 (β·Δ 0.31 at step 30)`, or `; β not acting by KL 6.3 (β·Δ 0.19 at step 250)`, the
    /// parenthesis only when `detailed`; empty when the run logged no margins.
    private static func brakingNote(_ run: FrontierRun, margin: Double, detailed: Bool = true) -> String {
        let (text, point): (String, FrontierPoint)
        if let acting = braking(run, margin: margin) {
            (text, point) = ("acts from", acting)
        } else if let last = run.points.last(where: { $0.margin != nil }) {
            (text, point) = ("not acting by", last)
        } else {
            return ""
        }
        let detail = detailed ? String(format: " (β·Δ %.2f at step %d)", point.margin ?? .nan, point.step) : ""
        return String(format: "; β %@ KL %.2f", text, point.kl) + detail
    }
}
