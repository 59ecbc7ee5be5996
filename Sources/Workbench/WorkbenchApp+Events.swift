import Foundation
import Training

/// Trainer, launcher and data-loader events merged into the state; the run list rebuilt.
extension WorkbenchApp {
    func apply(_ event: WorkbenchEvent, now: Double) {
        launcher.note(event)
        switch event {
        case .trainer(let id, let trainerEvent):
            guard let path = launcher.job(id: id)?.path else { break }
            store.apply(trainerEvent, to: path, now: now)
            if case .log(let line) = trainerEvent, line.hasPrefix("failed") { state.say(line, error: true) }
        case .jobStarted(let id, let path):
            let followCursor = state.cursorRun?.id == .queued(job: id)
            store.adopt(path, now: now)
            refreshRuns()
            if followCursor, let index = state.runs.firstIndex(where: { $0.id == .directory(path) }) { state.runsScreen.cursor = index }
        case .jobEnded(let id, let runState):
            guard let path = launcher.job(id: id)?.path else { break }
            store.release(path)
            store.mark(path, stopping: false, pauseRequested: false)
            lastPoll = -.infinity
            let name = URL(fileURLWithPath: path).lastPathComponent
            state.say("\(name) \(runState.rawValue)", error: runState == .failed)
        case .jobFailedToStart(_, let message):
            state.say("run did not start: \(message)", error: true, seconds: 8)
        case .dataProgress(let generation, let text):
            if generation == dataGeneration { state.data.status = text }
        case .dataLoaded(let generation, let snapshot):
            guard generation == dataGeneration else { break }
            state.data.snapshot = snapshot
            state.data.status = nil
            if !state.data.query.isEmpty { Update.setQueryForData(state.data.query, &state) }
        case .dataFailed(let generation, let message):
            guard generation == dataGeneration else { break }
            state.data.status = message
            state.data.failed = true
            state.data.snapshot = nil
        }
    }

    /// Rebuilds the run list: queued jobs first, then runs newest first; the cursor stays on its run.
    func refreshRuns() {
        let cursor = state.cursorRun?.id
        let pending = launcher.pending.map { job -> RunInfo in
            var run = RunInfo(id: .queued(job: job.id), name: job.name)
            run.pending = true
            run.ownedHere = true
            if case .new(let experiment) = job.work { experiment.apply(to: &run) }
            return run
        }
        let runs = store.runs.values.sorted { a, b in
            let (stampA, stampB) = (Self.stamp(a.name), Self.stamp(b.name))
            return stampA != stampB ? stampA > stampB : a.name > b.name
        }.map { run -> RunInfo in
            var run = run
            run.ownedHere = run.path.map(store.ownPaths.contains) ?? false
            return run
        }
        state.runs = state.filtered(pending + runs)
        if let cursor, let index = state.runs.firstIndex(where: { $0.id == cursor }) { state.runsScreen.cursor = index }
    }

    /// The `yyyyMMdd-HHmmss` a run directory's name ends with (before an optional `-N`), as a sortable string.
    static func stamp(_ name: String) -> String {
        let parts = name.split(separator: "-").map(String.init)
        for end in stride(from: parts.count - 1, through: 1, by: -1) {
            let date = parts[end - 1], time = parts[end]
            if date.count == 8, time.count == 6, date.allSatisfy(\.isNumber), time.allSatisfy(\.isNumber) {
                let suffix = end + 1 < parts.count ? parts[end + 1] : "0"
                return date + time + String(repeating: "0", count: max(0, 4 - suffix.count)) + suffix
            }
        }
        return ""
    }
}
