import Foundation

/// What every run does around its stages, whatever they train (`TrainingSession`, `RewardSession`): a new run
/// directory with `config.yaml` and a queued status, one trainer at a time (`RunLock`, held until `execute`
/// returns), the stop-request file watched, a heartbeat, and a final `status.json` that names the stage and step
/// reached after a finish, a stop or an error.
final class RunLifecycle {
    let run: RunDirectory
    let status: StatusReporter
    let control: RunControl
    let emit: @Sendable (TrainerEvent) -> Void
    private var lock: RunLock?

    init(run: RunDirectory, lock: RunLock, control: RunControl, emit: @escaping @Sendable (TrainerEvent) -> Void) {
        self.run = run
        self.lock = lock
        self.control = control
        self.emit = emit
        status = StatusReporter(run: run, startedAt: Date().timeIntervalSince1970)
        control.watch(stopFile: run.stopRequestURL)
    }

    /// A new run directory named `name` under `experiment`'s `output_dir`, queued at `stage`.
    static func create(_ experiment: Experiment, name: String, stage: Stage, control: RunControl,
                       emit: @escaping @Sendable (TrainerEvent) -> Void) throws -> RunLifecycle {
        let run = try RunDirectory.create(in: URL(fileURLWithPath: experiment.outputDir), name: name)
        let lock = try RunLock.acquire(run)
        try run.writeConfig(experiment)
        let lifecycle = RunLifecycle(run: run, lock: lock, control: control, emit: emit)
        try lifecycle.status.report(.queued, stage: stage, step: 0, total: 0, force: true)
        return lifecycle
    }

    /// A line for `log.txt` and whoever watches the run.
    func say(_ line: String) {
        try? run.log(line)
        emit(.log(line))
    }

    /// Runs `stages` to the end, a stop or an error, then writes the final status and releases the run.
    func execute(_ stages: () throws -> RunState) -> RunState {
        defer {
            lock?.release()
            lock = nil
        }
        status.startHeartbeat()
        let state: RunState
        var message: String?
        do {
            state = try stages()
        } catch {
            message = "\(error)"
            try? run.log("failed: \(message!)")
            state = .failed
        }
        try? FileManager.default.removeItem(at: run.stopRequestURL)
        do {
            try? run.syncJournals()
            try status.finish(state, message: message)
        } catch {
            emit(.log("could not write the final status: \(error)"))
        }
        emit(.state(state, message: message))
        return state
    }
}
