import Foundation

extension Experiment {
    /// The grid of a `sweep:` map, in file order (the last key varies fastest): one experiment per combination,
    /// each without a sweep of its own and named after the values it takes (`sigmoid-beta0.1-beta=0.05`).
    public func sweepRuns() throws -> [Experiment] {
        guard !sweep.isEmpty else { return [self] }
        var combinations: [[(String, String)]] = [[]]
        for axis in sweep {
            combinations = combinations.flatMap { prefix in axis.values.map { prefix + [(axis.key, $0)] } }
        }
        return try combinations.map { assignment in
            var experiment = self
            experiment.sweep = []
            for (key, value) in assignment { try experiment.apply(overrides: ["\(key)=\(value)"]) }
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
