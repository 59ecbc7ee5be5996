import ArgumentParser
import Foundation
import Training

/// `dpo sweep`: every combination of an experiment's `sweep:` values (or of each grid of its list form), one run
/// after another. Runs share the SFT model and the reference log-probs (both cached under the output folder), so
/// only the first computes them.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every run of an experiment's sweep (a grid, or a list of grids) and print a table of final metrics.")

    @Argument(help: "Experiment file with a sweep: map or list, e.g. experiments/beta-sweep.yaml.")
    var experiment: String

    @OptionGroup var overrides: ExperimentOverrides

    func run() throws {
        let base = try overrides.experiment(file: experiment)
        let runs = try base.sweepRuns()
        let control = RunControl()
        let signals = SignalHandler.stopping(control)
        defer { withExtendedLifetime(signals) {} }
        let progress = ProgressPrinter()
        progress.line("sweep: \(runs.count) runs over \(base.sweepSummary)")
        var summaries: [RunSummary] = []
        for (index, runExperiment) in runs.enumerated() {
            if control.stopRequested { break }
            let session = try TrainingSession.create(runExperiment, control: control, emit: progress.handle)
            progress.watch(runExperiment.diagnostics)
            progress.line("[\(index + 1)/\(runs.count)] \(session.run.url.path)")
            session.execute()
            summaries.append(RunSummary(run: session.run))
        }
        let columns = ["loss", "eval_loss", "eval_rewards/accuracies", "eval_rewards/margins", "eval_logps/chosen", "reward/policy"]
        progress.line("\n" + RunSummary.table(summaries, columns: columns))
        if summaries.contains(where: { $0.state != .finished }) { throw ExitCode.failure }
    }
}
