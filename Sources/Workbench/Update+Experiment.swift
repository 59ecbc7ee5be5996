import Foundation
import Training

/// Changing the Config screen's experiment: one key through its validating setter, then the effects a change has.
extension Update {
    /// Keys whose change means the Data screen must load again.
    static let dataKeys = ExperimentKeys.all.filter(\.changesData).map(\.name)

    /// Sets a key through its validating setter and the experiment's cross-key checks.
    static func assign(_ name: String, _ value: String, _ state: inout AppState, keepEditing: Bool) -> [Effect] {
        var experiment = state.experiment
        do {
            try experiment.apply(overrides: ["\(name)=\(value)"])
        } catch {
            state.config.error = "\(error)"
            if !keepEditing { state.say("\(error)", error: true) }
            return []
        }
        let old = ExperimentKeys.named(name)?.value(state.experiment) ?? ""
        let new = ExperimentKeys.named(name)?.value(experiment) ?? value
        return commit(experiment, &state, message: old == new ? "\(name) = \(new)" : "\(name) = \(new) (was \(old.isEmpty ? "unset" : old))")
    }

    static func commit(_ experiment: Experiment, _ state: inout AppState, message: String) -> [Effect] {
        var effects: [Effect] = []
        if dataKeys.contains(where: { ExperimentKeys.named($0)?.value(experiment) != ExperimentKeys.named($0)?.value(state.experiment) }) {
            effects.append(.reloadData)
        }
        if experiment.outputDir != state.experiment.outputDir { effects.append(.followRuns(experiment.outputDir)) }
        // A new dataset is what the user wants to see, not the file the Data screen was showing.
        if experiment.dataset != state.experiment.dataset { state.data.file = nil }
        state.experiment = experiment
        state.config.error = nil
        state.mode = .normal
        state.say(message)
        return effects
    }
}
