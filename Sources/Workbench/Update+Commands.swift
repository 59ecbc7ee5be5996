import Foundation
import Training

/// The `:` command line (`KeyBindings.commands` lists them for `?`).
extension Update {
    /// A `:` command, resolved through `KeyBindings.commands`; `:KEY VALUE` and `:KEY=VALUE` set a key.
    static func command(_ text: String, _ state: inout AppState) -> [Effect] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return [] }
        let parts = trimmed.split(separator: " ", maxSplits: 1).map(String.init)
        let verb = parts[0], argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        guard let binding = KeyBindings.command(named: verb) else {
            if trimmed.contains("=") { return set(trimmed, &state) }
            if !argument.isEmpty, ExperimentKeys.named(verb) != nil { return set("\(verb)=\(argument)", &state) }
            state.say("unknown command ':\(trimmed)' (? lists the commands; :KEY VALUE sets a key)", error: true)
            return []
        }
        if binding.mutates, state.readOnly {
            state.say("dpo watch is read-only", error: true)
            return []
        }
        switch binding.command {
        case .quit:
            return perform(.quit, &state, size: Layout.minimum)
        case .save:
            let path = argument.isEmpty ? (state.experimentFile ?? "experiments/experiment.yaml") : argument
            return [.save(state.experiment, path: path)]
        case .open:
            guard !argument.isEmpty else { state.say(":open FILE loads an experiment", error: true); return [] }
            return [.open(path: argument)]
        case .start:
            return perform(.startRun, &state, size: Layout.minimum)
        case .help:
            state.mode = .help(scroll: 0)
        case .smooth:
            guard let value = Double(argument), value >= 0, value < 1 else { state.say(":smooth takes a weight in [0, 1)", error: true); return [] }
            state.charts.smoothing = value
            state.say("smoothing \(value)")
        case .xAxis:
            guard let axis = XAxis(rawValue: argument) else { state.say(":x step or :x time", error: true); return [] }
            state.charts.xAxis = axis
        case .sweep:
            return sweep(argument, &state)
        case .set:
            let assignment = argument.contains("=") ? argument : argument.replacingOccurrences(of: " ", with: "=", options: [], range: argument.range(of: " "))
            return set(assignment, &state)
        case .reset:
            guard let key = ExperimentKeys.named(argument) else { state.say("unknown key '\(argument)'", error: true); return [] }
            let value = key.value(Experiment())
            return assign(argument, value.isEmpty ? "null" : value, &state, keepEditing: false)
        }
        return []
    }

    static func set(_ assignment: String, _ state: inout AppState) -> [Effect] {
        guard !state.readOnly else { state.say("dpo watch is read-only", error: true); return [] }
        guard let equals = assignment.firstIndex(of: "=") else { state.say(":set KEY=VALUE", error: true); return [] }
        let name = assignment[..<equals].trimmingCharacters(in: .whitespaces)
        let value = assignment[assignment.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard ExperimentKeys.named(name) != nil else {
            state.say("unknown key '\(name)'", error: true)
            return []
        }
        if let row = state.configRows.firstIndex(of: .key(name)) { state.config.cursor = row }
        return assign(name, value, &state, keepEditing: false)
    }

    /// `:sweep` queues the sweep; `:sweep KEY v1,v2` sets an axis; `:sweep KEY` removes it; `:sweep clear`.
    static func sweep(_ argument: String, _ state: inout AppState) -> [Effect] {
        if argument.isEmpty { return perform(.queueSweep, &state, size: Layout.minimum) }
        var experiment = state.experiment
        if argument == "clear" {
            experiment.sweep = []
            experiment.sweepGrids = []
            return commit(experiment, &state, message: "sweep cleared")
        }
        // An axis means nothing beside a list of grids (which grid would it join?), so the file stays the place to edit one.
        guard experiment.sweepGrids.isEmpty else {
            state.say("this sweep: is a list of grids; edit it in the experiment file, or :sweep clear", error: true)
            return []
        }
        let parts = argument.split(separator: " ", maxSplits: 1).map(String.init)
        let name = parts[0]
        guard ExperimentKeys.named(name) != nil else { state.say("unknown key '\(name)'", error: true); return [] }
        let values = parts.count > 1
            ? parts[1].split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            : []
        if values.isEmpty {
            experiment.sweep.removeAll { $0.key == name }
            return commit(experiment, &state, message: "sweep over \(name) removed")
        }
        for value in values {
            var probe = experiment
            do { try probe.apply(overrides: ["\(name)=\(value)"]) } catch {
                state.say("sweep \(name): \(error)", error: true)
                return []
            }
        }
        if let index = experiment.sweep.firstIndex(where: { $0.key == name }) {
            experiment.sweep[index].values = values
        } else {
            experiment.sweep.append(SweepAxis(key: name, values: values))
        }
        let count = (try? experiment.sweepRuns().count) ?? values.count
        return commit(experiment, &state, message: "sweep \(name) over \(values.joined(separator: ", ")): \(count) runs; S queues them")
    }
}
