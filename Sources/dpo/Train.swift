import ArgumentParser
import Foundation
import Training

/// `dpo train`: one run, headless. SIGINT, SIGTERM and SIGHUP checkpoint the run and mark it stopped;
/// `--resume RUN` continues it from that checkpoint with the configuration it was started with.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a policy with DPO (or another loss of the family) from an experiment file.")

    @Argument(help: "Experiment file (YAML with TRL's key names), e.g. experiments/demo.yaml.")
    var experiment: String?

    @OptionGroup var overrides: ExperimentOverrides

    @Option(help: "Resume a stopped run directory from its newest checkpoint.")
    var resume: String?

    @Flag(help: "With --resume: also resume a finished run (its steps after the newest checkpoint train again).")
    var force = false

    func validate() throws {
        guard (experiment == nil) != (resume == nil) else {
            throw ValidationError("give an experiment file, or --resume RUN (not both)")
        }
        guard !force || resume != nil else { throw ValidationError("--force goes with --resume") }
    }

    func run() throws {
        let control = RunControl()
        let signals = SignalHandler.stopping(control)
        defer { withExtendedLifetime(signals) {} }
        let progress = ProgressPrinter()
        let session: TrainingSession
        if let resume {
            guard overrides.values.isEmpty else { throw ValidationError("--set does not apply to a resumed run: it keeps its config.yaml") }
            session = try TrainingSession.reopen(URL(fileURLWithPath: resume), force: force, control: control, emit: progress.handle)
        } else {
            let loaded = try overrides.experiment(file: experiment)
            session = try TrainingSession.create(loaded, control: control, emit: progress.handle)
        }
        progress.watch(session.experiment.diagnostics)
        progress.line("run: \(session.run.url.path)")
        switch session.execute() {
        case .finished: return
        case .stopped: throw ExitCode(3)
        default: throw ExitCode.failure
        }
    }
}
