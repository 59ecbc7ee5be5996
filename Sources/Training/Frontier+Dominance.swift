/// How far each β-tuned run (DPO, Online DPO) dominates the baselines that have no β (Preferred-FT, Unlikelihood):
/// the DPO paper's claim for Fig. 2 is that DPO's frontier lies above theirs at every KL.
///
/// A baseline point is dominated by a run when one of the run's evaluations has no more KL and at least its reward
/// (Pareto dominance, so a noisy trajectory that doubles back still counts its best checkpoints). Step 0, the
/// reference model itself, is left out on both sides.
public struct FrontierDominance: Sendable, Equatable {
    public var run: FrontierRun
    public var baseline: String
    public var dominated: Int
    public var total: Int

    /// Whether the run dominates every point of the baseline.
    public var isComplete: Bool { total > 0 && dominated == total }
}

extension Frontier {
    /// One row per β-tuned run and baseline method, in the frontier's run order.
    public func dominance() -> [FrontierDominance] {
        let baselines = runs.filter { $0.beta == nil }
        let methods = baselines.map(\.method).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return runs.filter { $0.beta != nil }.flatMap { run in
            let trained = run.points.filter { $0.step > 0 }
            return methods.map { method in
                let points = baselines.filter { $0.method == method }.flatMap(\.points).filter { $0.step > 0 }
                let dominated = points.filter { point in trained.contains { $0.kl <= point.kl && $0.reward >= point.reward } }.count
                return FrontierDominance(run: run, baseline: method, dominated: dominated, total: points.count)
            }
        }
    }

    /// The dominance rows as lines: `sigmoid β=0.1: dominates 9/10 of sft, 10/10 of unlikelihood`.
    public func dominanceSummary() -> String {
        let rows = dominance()
        guard !rows.isEmpty else { return "" }
        var lines = ["Pareto dominance (a baseline point is dominated when a checkpoint of the run has no more KL and at least its reward):"]
        var current: FrontierRun?
        var parts: [String] = []
        func flush() {
            if let run = current { lines.append("  \(run.method) β=\(run.beta.map { "\($0)" } ?? "–"): dominates \(parts.joined(separator: ", "))") }
        }
        for row in rows {
            if row.run != current {
                flush()
                current = row.run
                parts = []
            }
            parts.append("\(row.dominated)/\(row.total) of \(row.baseline)")
        }
        flush()
        return lines.joined(separator: "\n")
    }
}
