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
//   WorkbenchApp.swift             this file: effects, events, and the terminal loop

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

    public private(set) var state: AppState
    public let options: WorkbenchOptions
    public let events = EventQueue()
    public private(set) var store: RunStore
    public let launcher: RunLauncher
    private var dataGeneration = 0
    private var lastPoll = -Double.infinity
    private var lastClock = 0.0

    public init(options: WorkbenchOptions, now: Double = Date().timeIntervalSince1970) {
        self.options = options
        let directory = options.runsDirectory ?? options.experiment.outputDir
        state = AppState(experiment: options.experiment, experimentFile: options.experimentFile, runsDirectory: directory,
                         readOnly: options.readOnly, now: now)
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
        let before = state.runsScreen.cursor
        let effects = Update.handle(key, &state, size: size)
        var outcome = Outcome.continue
        for effect in effects {
            switch perform(effect) {
            case .continue: break
            case let other: outcome = other
            }
        }
        if state.runsScreen.cursor != before { store.poll(now: state.now, focus: state.cursorRun?.path); refreshRuns() }
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

    // MARK: effects

    private func perform(_ effect: Effect) -> Outcome {
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
        }
        return .continue
    }

    private func reloadData() {
        dataGeneration += 1
        state.data.status = "loading…"
        state.data.failed = false
        DataLoader.load(state.experiment, generation: dataGeneration, events: events)
    }

    private func follow(_ directory: String) {
        let own = store.ownPaths
        store = RunStore(root: URL(fileURLWithPath: directory))
        for path in own { store.adopt(path, now: state.now) }
        state.runsDirectory = directory
        lastPoll = -.infinity
    }

    // MARK: events

    private func apply(_ event: WorkbenchEvent, now: Double) {
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
    private func refreshRuns() {
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
        state.runs = pending + runs
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

extension Update {
    static func setQueryForData(_ query: String, _ state: inout AppState) {
        let screen = state.screen
        state.screen = .data
        setQuery(query, &state)
        state.screen = screen
    }
}

/// Signals turned into flags the UI loop reads between frames.
final class SignalWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [Int32] = []
    private var handler: SignalHandler?

    init(_ signals: [Int32]) {
        handler = SignalHandler(signals) { [weak self] number in self?.lock.withLock { self?.received.append(number) } }
    }

    func take() -> [Int32] {
        lock.withLock {
            defer { received.removeAll() }
            return received
        }
    }
}

extension WorkbenchApp {
    /// Runs the workbench on the terminal until the user quits; returns the exit status. Runs of this workbench
    /// outlive the terminal: after SIGHUP (or a detach) the process stops drawing and exits when they end.
    public static func run(_ options: WorkbenchOptions) throws -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let signals = SignalWatch([SIGHUP, SIGINT, SIGTERM, SIGQUIT])
        let utf8 = Charset.detect(environment: ProcessInfo.processInfo.environment) != .ascii
        let screen = try CursesScreen(colors: options.render.colors, utf8: utf8)
        var render = options.render
        if !screen.colors { render.colors = false }
        let app = WorkbenchApp(options: options)
        app.start()
        var previous: Canvas?
        var lastDraw = 0.0
        var dirty = true
        var urgent = true
        while true {
            for number in signals.take() {
                if number == SIGHUP {
                    // The terminal is gone: draw no more, but let this workbench's runs finish.
                    return app.headless(reason: nil, signals: signals)
                }
                app.stopAll()
                screen.stop()
                _ = app.headless(reason: "dpo: signal \(number): stopping runs at a checkpoint", signals: signals)
                return 128 + number
            }
            if let key = screen.readKey() {
                if key == .resize {
                    previous = nil
                    screen.invalidate()
                }
                switch app.handle(key, size: screen.size) {
                case .continue: break
                case .exit:
                    screen.stop()
                    return 0
                case .detach:
                    screen.stop()
                    let count = app.launcher.active.count
                    print("dpo: \(count) run\(count == 1 ? "" : "s") of this workbench keep\(count == 1 ? "s" : "") training in the background "
                        + "(pid \(getpid())); runs are under \(app.state.runsDirectory), and `dpo` shows them again.")
                    fflush(nil)
                    if options.detachDescriptor >= 0 {
                        _ = ccurses_detach(options.detachDescriptor)
                    } else {
                        print("dpo: no supervisor process: this terminal stays busy until they end.")
                    }
                    return app.headless(reason: nil, signals: signals)
                }
                dirty = true
                urgent = true
            }
            let now = Date().timeIntervalSince1970
            if app.tick(now: now) { dirty = true }
            if app.isDoneStopping {
                screen.stop()
                return 0
            }
            if dirty, urgent || now - lastDraw >= 0.2 {
                let canvas = app.frame(size: screen.size, options: render)
                screen.draw(canvas, over: previous)
                previous = canvas
                lastDraw = now
                dirty = false
                urgent = false
            }
        }
    }

    /// Without a terminal: keeps events flowing and queued runs starting until none of this workbench's runs is
    /// active, then returns 0. A detached workbench still obeys SIGTERM, SIGINT and SIGQUIT: its runs checkpoint
    /// and stop.
    func headless(reason: String?, signals: SignalWatch) -> Int32 {
        if let reason { print(reason) }
        while true {
            if signals.take().contains(where: { $0 != SIGHUP }) { stopAll() }
            _ = tick(now: Date().timeIntervalSince1970)
            if launcher.active.isEmpty && events.isEmpty { return 0 }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }
}

extension WorkbenchApp {
    /// Splits off the process that does the work from one that only waits for it, so that runs can be left
    /// training when the user quits (see `ccurses_supervise`). Call before any thread starts; returns the
    /// descriptor for `WorkbenchOptions.detachDescriptor`, or -1 when not split.
    public static func superviseForDetach() -> Int32 { ccurses_supervise() }
}
