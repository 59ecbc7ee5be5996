import CCurses
import Foundation
import Model
import Training

// The workbench, in layers (each file one concern):
//   Screen.swift, Canvas.swift     cells, styles, the Screen protocol; CursesScreen (ncursesw) and MemoryScreen (tests)
//   LineChart.swift, Smoothing     braille / block / ASCII line charts, TensorBoard's debiased EMA
//   KeyBindings.swift              the one key table: dispatch, the hint bar and `?` help all read it
//   AppState.swift, Update.swift   the state and key handling (state + key → state + effects), no I/O
//   Layout, Renderer, *View.swift  pure functions (state, size) → Canvas, one per screen
//   RunStore, JSONLTail            runs on disk, read incrementally about once a second
//   RunLauncher, EventQueue        training threads and the lock-protected queue the UI drains each frame
//   WorkbenchApp.swift             this file: the app (state + the world it acts on), keys and ticks;
//   WorkbenchApp+Effects/Events    carrying out effects, merging trainer and loader events into the state;
//   WorkbenchApp+Judge             the Data screen's other files, the judge screen's (JudgeJournal)
//   WorkbenchApp+Terminal          the ncurses loop, signals, detaching

/// How the workbench starts.
public struct WorkbenchOptions: Sendable {
    public var experiment: Experiment
    /// Where the experiment came from (`w` saves there).
    public var experimentFile: String?
    /// The folder of runs to follow (default: the experiment's `output_dir`).
    public var runsDirectory: String?
    public var readOnly = false
    public var render = RenderOptions()
    /// Runs of this workbench that train at once.
    public var maxConcurrent = 1
    /// From `ccurses_supervise`: written to when the user detaches, so the waiting parent exits.
    public var detachDescriptor: Int32 = -1
    /// Seconds between looks at the run folder.
    public var pollInterval = 1.0

    public init(experiment: Experiment, experimentFile: String? = nil) {
        self.experiment = experiment
        self.experimentFile = experimentFile
    }
}

/// The workbench's state and the world it acts on: the runs folder, training threads, the data loader. The
/// terminal loop (`run`) feeds it keys and time; tests do the same with a `MemoryScreen`.
public final class WorkbenchApp {
    public enum Outcome: Equatable {
        case `continue`, exit, detach
    }

    public internal(set) var state: AppState
    public let options: WorkbenchOptions
    public let events = EventQueue()
    public internal(set) var store: RunStore
    public let launcher: RunLauncher
    var dataGeneration = 0
    var lastPoll = -Double.infinity
    var lastClock = 0.0
    /// The open judge session's files.
    var judgeJournal: JudgeJournal?

    public init(options: WorkbenchOptions, now: Double = Date().timeIntervalSince1970) {
        self.options = options
        let directory = options.runsDirectory ?? options.experiment.outputDir
        state = AppState(experiment: options.experiment, experimentFile: options.experimentFile, runsDirectory: directory,
                         readOnly: options.readOnly, now: now)
        state.runsScreen.pinned = PinnedRuns.load(runsDirectory: directory)
        store = RunStore(root: URL(fileURLWithPath: directory))
        launcher = RunLauncher(events: events, maxConcurrent: options.maxConcurrent)
    }

    /// Starts loading the dataset (not in watch mode) and reads the runs folder.
    public func start(now: Double = Date().timeIntervalSince1970) {
        if !state.readOnly { reloadData() }
        _ = tick(now: now)
    }

    /// Everything that is not a key: trainer and loader events, starting queued runs, reading the runs folder
    /// about once a second. Returns whether the screen needs drawing.
    @discardableResult
    public func tick(now: Double) -> Bool {
        state.now = now
        var changed = false
        for event in events.drain() {
            apply(event, now: now)
            changed = true
        }
        if launcher.schedule() { changed = true }
        if now - lastPoll >= options.pollInterval {
            lastPoll = now
            if store.poll(now: now, focus: state.cursorRun?.path) { changed = true }
            refreshRuns()
        }
        if changed { refreshRuns() }
        if let message = state.message, message.expires <= now {
            state.message = nil
            changed = true
        }
        // Clocks (ETA, heartbeat age) move once a second while something is active.
        if now - lastClock >= 1, state.runs.contains(where: \.isActive) {
            lastClock = now
            changed = true
        }
        return changed
    }

    /// Handles a key; tells the loop whether to go on.
    public func handle(_ key: Key, size: Size) -> Outcome {
        let (before, filter) = (state.runsScreen.cursor, state.runsScreen.filter)
        let effects = Update.handle(key, &state, size: size)
        var outcome = Outcome.continue
        for effect in effects {
            switch perform(effect) {
            case .continue: break
            case let other: outcome = other
            }
        }
        if state.runsScreen.cursor != before { store.poll(now: state.now, focus: state.cursorRun?.path); refreshRuns() }
        if state.runsScreen.filter != filter { refreshRuns() }
        return outcome
    }

    /// The frame for this size.
    public func frame(size: Size, options render: RenderOptions? = nil) -> Canvas {
        Update.fit(&state, size: size)
        return Renderer.frame(state, size: size, options: render ?? options.render)
    }

    /// Whether a requested stop of every run has completed.
    public var isDoneStopping: Bool { state.mode == .stopping && launcher.active.isEmpty }

    /// Asks this workbench's runs to checkpoint and stop.
    public func stopAll() {
        launcher.stopAll()
        for job in launcher.jobs where job.path != nil { store.mark(job.path!, stopping: true) }
        refreshRuns()
    }
}
