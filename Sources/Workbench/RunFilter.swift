import Foundation
import Training

/// A filter of the Runs list, typed after `/`: clauses joined by `and` (or commas), each `name op value` with op one
/// of `= != < <= > >= ~` (`~` contains). A name is an experiment key (`beta`, `loss_type`, `lora.r`), a metric's
/// last value (`loss`, `eval_rewards/accuracies`, `samples/kl`), `name` or `state`; numbers compare as numbers.
/// `beta<0.2 and loss_type=ipo`, `state=running`, `warnings>0`.
public struct RunFilter: Sendable, Equatable {
    struct Clause: Sendable, Equatable {
        let name: String
        let op: String
        let value: String
    }

    let clauses: [Clause]

    static let operators = ["<=", ">=", "!=", "==", "=", "<", ">", "~"]

    /// - Throws: `FilterError` naming the clause that is not `name op value`.
    public init(_ text: String) throws {
        let parts = text.replacingOccurrences(of: " and ", with: ",").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        clauses = try parts.map { part in
            guard let op = Self.operators.first(where: { part.contains($0) }), let range = part.range(of: op) else {
                throw FilterError(message: "'\(part)' is not name op value (op: \(Self.operators.joined(separator: " ")))")
            }
            let name = part[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let value = part[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !value.isEmpty else { throw FilterError(message: "'\(part)' needs a name and a value") }
            return Clause(name: name, op: op == "==" ? "=" : op, value: value)
        }
    }

    public var isEmpty: Bool { clauses.isEmpty }

    /// Why `text` does not parse ("" when it does).
    static func problem(_ text: String) -> String {
        do {
            _ = try RunFilter(text)
            return ""
        } catch {
            return "\(error)"
        }
    }

    /// Whether every clause holds; a run without the named value does not match.
    public func matches(_ run: RunInfo) -> Bool {
        clauses.allSatisfy { clause in
            guard let actual = Self.value(clause.name, of: run) else { return false }
            if let a = Double(actual), let b = Double(clause.value) {
                switch clause.op {
                case "<": return a < b
                case "<=": return a <= b
                case ">": return a > b
                case ">=": return a >= b
                case "!=": return a != b
                case "=": return a == b
                default: return actual.contains(clause.value)
                }
            }
            switch clause.op {
            case "=": return actual == clause.value
            case "!=": return actual != clause.value
            case "~": return actual.lowercased().contains(clause.value.lowercased())
            default: return false
            }
        }
    }

    static func value(_ name: String, of run: RunInfo) -> String? {
        switch name {
        case "name": return run.name
        case "state": return run.stateLabel
        case "warnings": return String(run.warnings)
        default: break
        }
        if let key = ExperimentKeys.named(name) {
            guard let experiment = run.experiment else { return name == "loss_type" ? run.lossType : nil }
            return key.value(experiment)
        }
        return (run.metrics.last(name) ?? run.eval.last(name)).map { String($0) }
    }
}

public struct FilterError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension AppState {
    /// The runs the Runs list shows: all of them, or those the `/` filter keeps (all when it does not parse).
    public func filtered(_ runs: [RunInfo]) -> [RunInfo] {
        guard let filter = try? RunFilter(runsScreen.filter), !filter.isEmpty else { return runs }
        return runs.filter(filter.matches)
    }
}
