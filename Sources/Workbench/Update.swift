import Foundation
import Training

/// What a key asks of the world outside the state: runs, files, the process. The app carries these out.
public enum Effect: Sendable, Equatable {
    /// Exit now (nothing of this workbench is running).
    case quit
    /// Exit the UI and leave this workbench's runs training, detached from the terminal.
    case detach
    /// Stop this workbench's runs, each with a checkpoint, then exit.
    case stopAllAndQuit
    /// Queue runs, in order.
    case start([Experiment])
    case pause(RunID, Bool)
    case stop(RunID)
    case resume(path: String)
    case save(Experiment, path: String)
    /// Load the Config screen's experiment from a file.
    case open(path: String)
    /// The dataset or its tokenization changed.
    case reloadData
    /// `output_dir` changed: follow the new folder.
    case followRuns(String)
    /// Show a preference file on the Data screen; nil goes back to the experiment's dataset.
    case browse(path: String?)
    /// Open the judge screen on a preference file or the experiment's dataset, resuming its saved verdicts.
    case openJudge(source: String, returnScreen: ScreenID)
    /// Append a verdict the session just took (and its pair when decisive).
    case recordJudgment(Judgment)
    /// Write the judge's files again from the session (after an undo).
    case rewriteJudgments
    /// Keep the pinned runs in the runs folder (`PinnedRuns`).
    case savePins([RunID])
}

/// Key handling: state and key in, new state and effects out. No I/O, so every key is tested without a terminal.
public enum Update {
    public static func handle(_ key: Key, _ state: inout AppState, size: Size) -> [Effect] {
        if key == .resize { return [] }
        switch state.mode {
        case .help(let scroll):
            switch KeyBindings.action(for: key, on: state.screen, readOnly: true) {
            case .down: state.mode = .help(scroll: scroll + 1)
            case .up: state.mode = .help(scroll: max(0, scroll - 1))
            case .pageDown: state.mode = .help(scroll: scroll + size.height / 2)
            case .pageUp: state.mode = .help(scroll: max(0, scroll - size.height / 2))
            default: state.mode = .normal
            }
            let count = KeyBindings.helpLines(screens: state.helpScreens, readOnly: state.readOnly).count
            if case .help(let s) = state.mode { state.mode = .help(scroll: min(s, max(0, count - (size.height - 4)))) }
            return []
        case .confirmQuit:
            switch KeyBindings.action(for: key, in: .quitDialog) {
            case .detach: return [.detach]
            case .stopAndQuit: state.mode = .stopping; return [.stopAllAndQuit]
            case .cancel: state.mode = .normal
            default: break
            }
            return []
        case .stopping:
            if key == .char("d") { return [.detach] }
            return []
        case .configDiff:
            state.mode = .normal
            return []
        case .command(let text):
            guard let edited = edit(text, key) else {
                state.mode = .normal
                if key == .enter { return command(text, &state) }
                return []
            }
            state.mode = .command(edited)
            return []
        case .search(let text):
            guard let edited = edit(text, key) else {
                state.mode = .normal
                if key == .escape { setQuery("", &state) }
                let problem = state.screen == .runs && key == .enter ? RunFilter.problem(state.runsScreen.filter) : ""
                if !problem.isEmpty { state.say("filter: " + problem + "; it hides nothing until it parses", error: true) }
                return []
            }
            state.mode = .search(edited)
            setQuery(edited, &state)
            return []
        case .editing(let name, let text):
            switch key {
            case .escape:
                state.mode = .normal
                state.config.error = nil
                return []
            case .enter:
                return assign(name, text, &state, keepEditing: true)
            default:
                state.mode = .editing(key: name, text: edit(text, key) ?? "")
                return []
            }
        case .normal:
            break
        }
        if case .mouse(let x, let y) = key {
            // A click on a chart puts the inspection cursor on the logged step nearest it and focuses that chart.
            if state.screen == .charts, let hit = ChartsView.click(x: x, y: y, state, panes: Layout.panes(state, size: size)) {
                state.charts.inspect = hit.step
                if !state.charts.zoomed { state.charts.cursor = hit.chart }
            }
            return []
        }
        guard let action = KeyBindings.action(for: key, on: state.screen, readOnly: state.readOnly) else {
            if state.readOnly, KeyBindings.table.contains(where: { $0.keys.contains(key) && $0.mutates }) {
                state.say("dpo watch is read-only", error: true)
            }
            return []
        }
        state.message = nil
        return perform(action, &state, size: size)
    }

    /// Text input: returns the edited text, or nil when the key ends input (Enter, Esc, Backspace on empty).
    static func edit(_ text: String, _ key: Key) -> String? {
        switch key {
        case .enter, .escape: return nil
        case .backspace, .delete, .ctrl("h"): return text.isEmpty ? nil : String(text.dropLast())
        case .ctrl("u"): return ""
        case .char(let c): return text + String(c)
        default: return text
        }
    }

    static func perform(_ action: Action, _ state: inout AppState, size: Size) -> [Effect] {
        let body = Layout.body(size)
        switch action {
        case .quit:
            if state.activeOwnRuns.isEmpty { return [.quit] }
            state.mode = .confirmQuit
        case .help: state.mode = .help(scroll: 0)
        case .cloneRun:
            guard let run = state.cursorRun, var experiment = run.experiment else {
                state.say("no config.yaml to clone for this run", error: true)
                break
            }
            experiment.runName = nil
            state.screen = .config
            return commit(experiment, &state, message: "a copy of \(run.name)'s config: change keys, then s starts it as a new run")
        case .cloneRunWarm:
            guard let run = state.cursorRun, var experiment = run.experiment else {
                state.say("no config.yaml to clone for this run", error: true)
                break
            }
            guard let checkpoint = run.latestCheckpoint else {
                state.say("\(run.name) has no checkpoint yet to start from (c clones its config alone)", error: true)
                break
            }
            experiment.runName = nil
            experiment.initFrom = checkpoint
            state.screen = .config
            return commit(experiment, &state, message: "a copy of \(run.name)'s config starting from \(URL(fileURLWithPath: checkpoint).lastPathComponent): change keys, then s starts it")
        case .diffRuns:
            let selected = state.runsScreen.selected
            let pair = selected.count >= 2 ? (selected[0], selected[1])
                : selected.first.flatMap { first in state.cursorRun.flatMap { $0.id == first ? nil : (first, $0.id) } }
            guard let pair else {
                state.say("select two runs with space (or one, then put the cursor on the other) to diff their configs", error: true)
                break
            }
            guard [pair.0, pair.1].allSatisfy({ id in state.runs.first { $0.id == id }?.experiment != nil }) else {
                state.say("no config.yaml to compare for one of the runs", error: true)
                break
            }
            state.mode = .configDiff(pair.0, pair.1)
        case .nextScreen, .previousScreen:
            let screens = state.screens
            let index = screens.firstIndex(of: state.screen) ?? 0
            state.screen = screens[(index + (action == .nextScreen ? 1 : screens.count - 1)) % screens.count]
        case .show(let screen):
            if state.screens.contains(screen) { state.screen = screen }
        case .command: state.mode = .command("")
        case .cancel:
            state.config.error = nil
            if state.charts.zoomed, state.screen == .charts { state.charts.zoomed = false }
            else if state.screen == .data, !state.data.query.isEmpty { setQuery("", &state) }
            else if state.screen == .data, state.data.file != nil { return [.browse(path: nil)] }
            else if state.screen == .config, !state.config.filter.isEmpty { setQuery("", &state) }
            else if state.screen == .runs, !state.runsScreen.filter.isEmpty { setQuery("", &state) }
            else if state.screen == .charts, !state.charts.filter.isEmpty { setQuery("", &state) }
        case .up, .down, .pageUp, .pageDown, .top, .bottom, .left, .right:
            move(action, &state, body: body)
        case .search:
            let current: String = switch state.screen {
            case .config: state.config.filter
            case .runs: state.runsScreen.filter
            case .charts: state.charts.filter
            default: state.data.query
            }
            state.mode = .search(current)
        case .nextMatch, .previousMatch:
            let matches = state.data.matches
            guard !matches.isEmpty else {
                state.say(state.data.query.isEmpty ? "no search: / searches" : "no match for \(state.data.query)", error: true)
                break
            }
            let cursor = state.data.cursor
            state.data.cursor = action == .nextMatch
                ? (matches.first { $0 > cursor } ?? matches[0]) : (matches.last { $0 < cursor } ?? matches[matches.count - 1])
        case .toggleStatistics: state.data.showStatistics.toggle()
        case .edit:
            guard let row = currentConfigRow(state) else { break }
            switch row {
            case .key(let name): state.mode = .editing(key: name, text: ExperimentKeys.named(name)!.value(state.experiment))
            case .sweep(let name):
                let values = state.experiment.sweep.first { $0.key == name }?.values ?? []
                state.mode = .command("sweep \(name) " + values.joined(separator: ","))
            }
        case .cycleForward, .cycleBackward:
            guard case .key(let name) = currentConfigRow(state), let key = ExperimentKeys.named(name) else { break }
            guard let choices = ConfigView.choices(key, state.experiment), !choices.isEmpty else {
                state.say("\(name) takes \(key.range): Enter edits it")
                break
            }
            let current = key.value(state.experiment).split(separator: ",").first.map(String.init) ?? ""
            let index = choices.firstIndex(of: current) ?? -1
            let next = action == .cycleForward ? (index + 1) % choices.count : (index - 1 + choices.count) % choices.count
            return assign(name, choices[next], &state, keepEditing: false)
        case .resetValue:
            guard case .key(let name) = currentConfigRow(state), let key = ExperimentKeys.named(name) else { break }
            let value = key.value(Experiment())
            return assign(name, value.isEmpty ? "null" : value, &state, keepEditing: false)
        case .save:
            state.mode = .command("w " + (state.experimentFile ?? "experiments/experiment.yaml"))
        case .startRun:
            do {
                try state.experiment.validate()
                state.say("queued \(state.experiment.defaultRunName); it starts when no other run of this workbench trains")
                return [.start([state.experiment])]
            } catch {
                state.say("cannot start: \(error)", error: true)
            }
        case .queueSweep:
            guard !state.experiment.sweep.isEmpty || !state.experiment.sweepGrids.isEmpty else {
                state.say("no sweep: values; add some with :sweep beta 0.05,0.1,0.5", error: true)
                break
            }
            do {
                let runs = try state.experiment.sweepRuns()
                state.say("queued a sweep of \(runs.count) runs")
                return [.start(runs)]
            } catch {
                state.say("cannot sweep: \(error)", error: true)
            }
        case .togglePin:
            guard let run = state.cursorRun, !run.pending else { break }
            toggle(run.id, in: &state.runsScreen.pinned)
            // `dpo watch` promises not to write into the folders it watches: its pins last the session.
            if !state.readOnly { return [.savePins(state.runsScreen.pinned)] }
        case .toggleSelection:
            guard let run = state.cursorRun, !run.pending else { break }
            toggle(run.id, in: &state.runsScreen.selected)
            move(.down, &state, body: body)
        case .pauseResume:
            guard let run = state.cursorRun else { break }
            guard run.ownedHere, run.isActive else {
                state.say(run.isActive ? "only runs started in this workbench can pause" : "\(run.name) is not training", error: true)
                break
            }
            let pause = !(run.pauseRequested || run.status?.state == .paused)
            state.say(pause ? "pausing \(run.name) after its current step" : "resuming \(run.name)")
            return [.pause(run.id, pause)]
        case .stopRun:
            guard let run = state.cursorRun else { break }
            guard run.isActive, !run.lost else {
                state.say("\(run.name) is not active", error: true)
                break
            }
            state.say(run.pending ? "removed \(run.name) from the queue" : "stopping \(run.name) at a checkpoint")
            return [.stop(run.id)]
        case .resumeRun:
            guard let run = state.cursorRun else { break }
            if run.ownedHere, run.status?.state == .paused || run.pauseRequested { return [.pause(run.id, false)] }
            guard let path = run.path, let status = run.status, status.state == .stopped || status.state == .failed || run.lost else {
                state.say("r resumes a stopped, failed or lost run; \(run.name) is \(run.stateLabel)", error: true)
                break
            }
            state.say("resuming \(run.name) from its last checkpoint")
            return [.resume(path: path)]
        case .openCharts: state.screen = .charts
        case .zoom: state.charts.zoomed.toggle()
        case .smoothMore, .smoothLess:
            let step = action == .smoothMore ? 0.05 : -0.05
            state.charts.smoothing = min(0.99, max(0, ((state.charts.smoothing + step) * 100).rounded() / 100))
        case .toggleRaw: state.charts.showRaw.toggle()
        case .toggleXAxis: state.charts.xAxis = state.charts.xAxis == .step ? .time : .step
        case .toggleFrontier: state.charts.frontier.toggle()
        case .toggleInspect:
            state.charts.inspect = state.charts.inspect == nil ? ChartsView.loggedSteps(state.chartRuns).last : nil
        case .inspectEarlier, .inspectLater:
            let steps = ChartsView.loggedSteps(state.chartRuns)
            guard let current = state.charts.inspect ?? steps.last else { break }
            state.charts.inspect = action == .inspectEarlier ? steps.last { $0 < current } ?? steps.first : steps.first { $0 > current } ?? steps.last
        case .earlierStep, .laterStep:
            let count = state.focusRun.map { SamplesView.steps($0).count } ?? 0
            state.samples.stepsBack = max(0, min(count - 1, state.samples.stepsBack + (action == .earlierStep ? 1 : -1)))
            state.samples.cursor = 0
        case .browseGeneratedPairs, .openJudge, .judge, .undoJudgment, .closeJudge:
            return judge(action, &state)
        case .detach, .stopAndQuit:
            break  // the quit dialog's own keys (`Update.handle`, mode .confirmQuit)
        }
        return []
    }

    /// Keeps every cursor inside its list and every list scrolled to its cursor, for this size.
    public static func fit(_ state: inout AppState, size: Size) {
        let body = Layout.body(size)
        let pairs = state.data.snapshot?.pairs.count ?? 0
        state.data.cursor = max(0, min(state.data.cursor, pairs - 1))
        state.data.scroll = Widgets.fitScroll(cursor: state.data.cursor, scroll: state.data.scroll, visible: DataView.visibleRows(body), total: pairs)
        let rows = state.configRows.count
        state.config.cursor = max(0, min(state.config.cursor, rows - 1))
        state.config.scroll = Widgets.fitScroll(cursor: state.config.cursor, scroll: state.config.scroll,
                                                visible: ConfigView.visibleRows(body), total: rows)
        state.runsScreen.cursor = max(0, min(state.runsScreen.cursor, state.runs.count - 1))
        state.runsScreen.scroll = Widgets.fitScroll(cursor: state.runsScreen.cursor, scroll: state.runsScreen.scroll,
                                                    visible: RunsView.visibleRows(body), total: state.runs.count)
        state.runsScreen.selected.removeAll { id in !state.runs.contains { $0.id == id } }
        let samples = SamplesView.current(state)?.samples.count ?? 0
        state.samples.cursor = max(0, min(state.samples.cursor, samples - 1))
        state.samples.scroll = Widgets.fitScroll(cursor: state.samples.cursor, scroll: state.samples.scroll,
                                                 visible: SamplesView.visibleRows(body), total: samples)
        if let session = state.judge { state.judge?.scroll = min(session.scroll, JudgeView.scrollLimit(session, body: body)) }
        if state.message.map({ $0.expires <= state.now }) == true { state.message = nil }
    }

    /// Adds a run to an ordered set of runs (selected, pinned), or takes it out.
    static func toggle(_ id: RunID, in list: inout [RunID]) {
        if let index = list.firstIndex(of: id) { list.remove(at: index) } else { list.append(id) }
    }
}
