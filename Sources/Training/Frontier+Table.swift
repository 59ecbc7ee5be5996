import Foundation

extension Frontier {
    /// A fixed-width table, one row per point: the reference first (KL 0), then each run's evaluations by step, in
    /// the runs' order (method, β, name). The run's name ends each row, since two runs may share method and β.
    public func table() -> String {
        let header = ["method", "β", "step", "KL", "reward", "run"]
        var rows: [[String]] = []
        if let referenceReward {
            rows.append(["reference", "–", "–", Self.format(0), Self.format(referenceReward), ""])
        }
        for run in runs {
            for point in run.points {
                rows.append([run.method, run.beta.map { "\($0)" } ?? "–", "\(point.step)", Self.format(point.kl),
                             Self.format(point.reward), run.run])
            }
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n")
    }

    private static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
