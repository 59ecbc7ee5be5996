import ArgumentParser
import Foundation
import Training

/// `--set key=value` on every command that takes an experiment, with one error policy: a bad key or value, in an
/// override or in the experiment file, is a usage error that names the key (exit status 64, as for any bad option).
struct ExperimentOverrides: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override an experiment key, e.g. --set beta=0.2 (repeatable; a sweep applies it to every run).", valueName: "key=value"))
    var values: [String] = []

    /// The keys given, for commands whose defaults depend on whether the user chose a value.
    var keys: Set<String> { Set(values.map { String($0.prefix { $0 != "=" }) }) }

    /// The experiment in `file` (or `base` without one) with the overrides applied.
    func experiment(file: String?, base: Experiment = Experiment()) throws -> Experiment {
        var experiment = base
        do {
            if let file { experiment = try Experiment(contentsOf: URL(fileURLWithPath: file)) }
            try experiment.apply(overrides: values)
        } catch {
            throw ValidationError("\(error)")
        }
        return experiment
    }
}
