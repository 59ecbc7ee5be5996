import Foundation
import Model
import Training

/// Carrying out what `Update` asks of the world: runs, files, the data loader, the runs folder.
extension WorkbenchApp {
    func perform(_ effect: Effect) -> Outcome {
        switch effect {
        case .quit: return .exit
        case .detach: return .detach
        case .stopAllAndQuit:
            stopAll()
            state.mode = .stopping
        case .start(let experiments):
            var firstPending: RunID?
            for experiment in experiments {
                let job = launcher.enqueue(.new(experiment), name: experiment.defaultRunName)
                firstPending = firstPending ?? .queued(job: job)
            }
            refreshRuns()
            if let firstPending, let index = state.runs.firstIndex(where: { $0.id == firstPending }) {
                state.runsScreen.cursor = index
                state.runsScreen.selected = []
            }
            launcher.schedule()
        case .pause(let id, let pause):
            guard let path = id.path, let job = launcher.job(path: path) else { break }
            job.control.setPaused(pause)
            store.mark(path, pauseRequested: pause)
            refreshRuns()
        case .stop(.queued(let job)):
            launcher.cancel(id: job)
            refreshRuns()
        case .stop(.directory(let path)):
            if let job = launcher.job(path: path), job.phase == .running {
                job.control.requestStop()
                job.control.setPaused(false)
                store.mark(path, stopping: true)
            } else if let run = store.runs[path], run.status?.state.isActive == true {
                // Another process trains it (`dpo train`, or a workbench, maybe detached): its trainer watches
                // the run's stop-request file, which stops that run alone and not the others of its process.
                do {
                    try RunDirectory(url: URL(fileURLWithPath: path)).requestStop()
                    store.mark(path, stopping: true)
                } catch {
                    state.say("could not ask \(run.name) to stop: \(error)", error: true)
                }
            }
            refreshRuns()
        case .resume(let path):
            if let run = store.runs[path], let pid = run.status?.pid, run.status?.state.isActive == true, pid != getpid(), RunFollower.alive(pid) {
                state.say("\(run.name) is still training in process \(pid)", error: true)
                break
            }
            let job = launcher.enqueue(.resume(URL(fileURLWithPath: path)), name: URL(fileURLWithPath: path).lastPathComponent)
            refreshRuns()
            if let index = state.runs.firstIndex(where: { $0.id == .queued(job: job) }) { state.runsScreen.cursor = index }
            launcher.schedule()
        case .save(let experiment, let path):
            do {
                let url = URL(fileURLWithPath: path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try AtomicFile.write(Data(experiment.yaml().utf8), to: url)
                state.experimentFile = path
                state.savedExperiment = experiment
                state.say("saved \(path)")
            } catch {
                state.say("cannot save: \(FileProblem("cannot write", path, error))", error: true)
            }
        case .open(let path):
            do {
                let experiment = try Experiment(contentsOf: URL(fileURLWithPath: path))
                let oldDirectory = state.experiment.outputDir
                state.experiment = experiment
                state.savedExperiment = experiment
                state.experimentFile = path
                state.say("opened \(path)")
                reloadData()
                if experiment.outputDir != oldDirectory { follow(experiment.outputDir) }
            } catch {
                state.say("\(error)", error: true)
            }
        case .reloadData:
            reloadData()
        case .followRuns(let directory):
            follow(directory)
        case .browse(let path):
            browse(path)
        case .openJudge(let source, let returnScreen):
            openJudge(source, returnScreen: returnScreen)
        case .recordJudgment(let judgment):
            record(judgment)
        case .rewriteJudgments:
            rewriteJudgments()
        case .savePins(let pins):
            do {
                try PinnedRuns.save(pins, runsDirectory: state.runsDirectory)
            } catch {
                state.say("pins not saved: \(error)", error: true)
            }
        }
        return .continue
    }

    func reloadData() {
        dataGeneration += 1
        state.data.status = "loading…"
        state.data.failed = false
        DataLoader.load(state.experiment, file: state.data.file, generation: dataGeneration, events: events)
    }

    func follow(_ directory: String) {
        let own = store.ownPaths
        store = RunStore(root: URL(fileURLWithPath: directory))
        for path in own { store.adopt(path, now: state.now) }
        state.runsDirectory = directory
        state.runsScreen.pinned = PinnedRuns.load(runsDirectory: directory)
        lastPoll = -.infinity
    }
}
