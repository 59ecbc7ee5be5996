import Foundation

extension Experiment {
    /// The runs of a sweep: the grid of a `sweep:` map, or each grid of the list form in turn (`sweepGrids`).
    /// In a grid the last key varies fastest; each run has no sweep of its own and is named after the values it
    /// takes (`sigmoid-beta0.1-beta=0.05`).
    public func sweepRuns() throws -> [Experiment] {
        let grids = sweepGrids.isEmpty ? [sweep] : sweepGrids
        guard grids.contains(where: { !$0.isEmpty }) else { return [self] }
        return try grids.flatMap(runs(of:))
    }

    /// The sweep on one line, for `dpo sweep`'s first line: `beta [0.05, 0.1] × loss_type [sigmoid]`, the grids of
    /// the list form joined by `, then `.
    public var sweepSummary: String {
        (sweepGrids.isEmpty ? [sweep] : sweepGrids)
            .map { grid in grid.map { "\($0.key) \($0.values)" }.joined(separator: " × ") }
            .joined(separator: ", then ")
    }

    /// One run per combination of a grid's values. The keys of a combination are set together, so a combination
    /// is checked as a whole (`online.enabled` with the loss it needs), not key by key.
    private func runs(of grid: [SweepAxis]) throws -> [Experiment] {
        var combinations: [[(String, String)]] = [[]]
        for axis in grid {
            combinations = combinations.flatMap { prefix in axis.values.map { prefix + [(axis.key, $0)] } }
        }
        return try combinations.map { assignment in
            var experiment = self
            experiment.sweep = []
            experiment.sweepGrids = []
            try experiment.apply(overrides: assignment.map { "\($0.0)=\($0.1)" })
            let suffix = assignment.map { "\($0.0)=\($0.1)" }.joined(separator: "-")
            experiment.runName = "\(runName ?? "sweep")-\(suffix)"
            return experiment
        }
    }
}

/// The last logged values of a finished run, for a sweep's summary table.
public struct RunSummary: Sendable {
    public let run: String
    public let state: RunState
    public let values: [String: Double]

    public init(run: RunDirectory) {
        self.run = run.id
        state = run.readStatus()?.state ?? .failed
        var values: [String: Double] = [:]
        for file in [RunDirectory.metricsFile, RunDirectory.evalFile] {
            for (key, value) in (try? run.records(file).last) ?? [:] {
                if let number = value as? NSNumber { values[key] = number.doubleValue }
            }
        }
        let samples = (try? run.records(RunDirectory.samplesFile)) ?? []
        if let lastStep = samples.last?["step"] as? NSNumber {
            let rewards = samples.filter { ($0["step"] as? NSNumber) == lastStep }.compactMap { ($0["reward_policy"] as? NSNumber)?.doubleValue }
            if !rewards.isEmpty { values["reward/policy"] = rewards.reduce(0, +) / Double(rewards.count) }
        }
        self.values = values
    }

    /// A fixed-width table: one row per run, the swept keys' values and the final metrics.
    public static func table(_ summaries: [RunSummary], columns: [String]) -> String {
        let header = ["run", "state"] + columns
        let rows = summaries.map { summary in
            [summary.run, summary.state.rawValue] + columns.map { key in summary.values[key].map { String(format: "%.4f", $0) } ?? "–" }
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }
}
