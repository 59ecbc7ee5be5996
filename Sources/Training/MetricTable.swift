import Foundation

/// Logged values by step, column per metric name, as read from `metrics.jsonl` / `eval.jsonl` or received
/// from a trainer; a metric missing at a step is NaN there.
public struct MetricTable: Sendable, Equatable {
    public private(set) var steps: [Double] = []
    public private(set) var times: [Double] = []
    public private(set) var columns: [String: [Double]] = [:]

    public init() {}

    public var count: Int { steps.count }
    public var lastStep: Double? { steps.last }

    /// Appends one logged row; rows at or before the last step are ignored (the same row arrives both as an event
    /// and in the file).
    public mutating func append(_ row: [String: Double]) {
        guard let step = row["step"], step > (steps.last ?? -.infinity) else { return }
        steps.append(step)
        times.append(row["time"] ?? .nan)
        for (key, value) in row where key != "step" && key != "time" {
            if columns[key] == nil { columns[key] = Array(repeating: .nan, count: steps.count - 1) }
            columns[key]!.append(value)
        }
        for key in columns.keys where columns[key]!.count < steps.count { columns[key]!.append(.nan) }
    }

    /// The last finite value of a metric.
    public func last(_ key: String) -> Double? { columns[key]?.last(where: \.isFinite) }

    public func column(_ key: String) -> [Double]? { columns[key] }
}
