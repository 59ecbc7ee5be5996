import Foundation
import Training

/// A transient line in the hint bar's place.
public struct Message: Sendable, Equatable {
    public var text: String
    public var isError: Bool
    /// Time after which it gives the bar back to the hints.
    public var expires: Double

    public init(_ text: String, isError: Bool = false, expires: Double) {
        self.text = text
        self.isError = isError
        self.expires = expires
    }
}

/// What keys are doing right now.
public enum Mode: Sendable, Equatable {
    case normal
    /// Typing a `:` command.
    case command(String)
    /// Typing a `/` search (Data) or filter (Config).
    case search(String)
    /// Editing a Config value in place.
    case editing(key: String, text: String)
    case help(scroll: Int)
    /// `q` with runs active: keep them running detached, or stop them with a checkpoint.
    case confirmQuit
    /// Waiting for runs to checkpoint before exiting.
    case stopping
    /// The config keys that set two runs apart (`D` on Runs).
    case configDiff(RunID, RunID)
}

public struct DataScreenState: Sendable, Equatable {
    /// A preference file shown instead of the experiment's dataset (a run's `generated_pairs.jsonl`); Esc goes back.
    public var file: String?
    public var snapshot: DataSnapshot?
    /// Progress while loading, or the error that stopped it.
    public var status: String? = "loading…"
    public var failed = false
    public var cursor = 0
    public var scroll = 0
    public var query = ""
    public var matches: [Int] = []
    public var showStatistics = false
    public init() {}
}

public struct ConfigScreenState: Sendable, Equatable {
    public var cursor = 0
    public var scroll = 0
    public var filter = ""
    /// The last validation error, shown under the table.
    public var error: String?
    public init() {}
}

public struct RunsScreenState: Sendable, Equatable {
    public var cursor = 0
    public var scroll = 0
    /// Paths of runs overlaid on the Charts screen.
    public var selected: [RunID] = []
    /// Runs always on the Charts screen, in the order pinned (`P`).
    public var pinned: [RunID] = []
    /// The `/` filter (`RunFilter`); empty shows every run.
    public var filter = ""
    public init() {}
}

public struct ChartsScreenState: Sendable, Equatable {
    public var cursor = 0
    public var zoomed = false
    public var smoothing = 0.6
    public var showRaw = true
    public var xAxis = XAxis.step
    /// The reward-vs-KL frontier instead of the metric charts.
    public var frontier = false
    /// The `/` filter: charts whose title contains it.
    public var filter = ""
    /// The inspection cursor's step (`i`), shown on every chart at once; nil when off.
    public var inspect: Double?

    public init() {}
}

public struct SamplesScreenState: Sendable, Equatable {
    public var cursor = 0
    public var scroll = 0
    /// Evaluations back from the latest (0 = latest).
    public var stepsBack = 0
    public init() {}
}

public struct DiagnosticsScreenState: Sendable, Equatable {
    /// The failure mode whose explanation and remedies show.
    public var cursor = 0
    public init() {}
}

/// Everything the screens draw, in one value: rendering is a pure function of it and the terminal size.
public struct AppState: Sendable, Equatable {
    public var screen = ScreenID.data
    public var mode = Mode.normal
    public var experiment: Experiment
    /// The file the experiment came from (and `w` saves to).
    public var experimentFile: String?
    /// The experiment as last loaded or saved: Config marks keys that differ.
    public var savedExperiment: Experiment
    public var data = DataScreenState()
    public var config = ConfigScreenState()
    public var runsScreen = RunsScreenState()
    public var charts = ChartsScreenState()
    public var samples = SamplesScreenState()
    public var diagnostics = DiagnosticsScreenState()
    /// The human judge screen's session, while it is open.
    public var judge: JudgeSession?
    /// Runs newest first, queued jobs of this workbench at the top.
    public var runs: [RunInfo] = []
    public var runsDirectory: String
    public var message: Message?
    /// `dpo watch`: Runs, Charts and Diagnostics only, nothing that starts, stops or saves.
    public var readOnly = false
    public var now: Double

    public init(experiment: Experiment, experimentFile: String? = nil, runsDirectory: String? = nil, readOnly: Bool = false,
                now: Double = Date().timeIntervalSince1970) {
        self.experiment = experiment
        self.experimentFile = experimentFile
        savedExperiment = experiment
        self.runsDirectory = runsDirectory ?? experiment.outputDir
        self.readOnly = readOnly
        self.now = now
        if readOnly { screen = .runs }
    }

    /// The tabs: the judge's only while a session is open.
    public var screens: [ScreenID] {
        readOnly ? [.runs, .charts, .diagnostics] : ScreenID.allCases.filter { $0 != .judge || judge != nil }
    }

    /// The screens whose keys `?` lists: the judge's too when it is closed, so its keys can be read before use.
    public var helpScreens: [ScreenID] { readOnly ? screens : ScreenID.allCases }

    /// What the Data screen shows: its file, else the experiment's dataset.
    public var dataSource: String { data.file ?? experiment.dataset }

    /// Runs started here that are queued or training.
    public var activeOwnRuns: [RunInfo] { runs.filter { ($0.ownedHere || $0.pending) && $0.isActive } }

    public var cursorRun: RunInfo? { runs.indices.contains(runsScreen.cursor) ? runs[runsScreen.cursor] : nil }

    /// The run the Samples and Diagnostics screens show: the first selected, else the one under the Runs cursor.
    public var focusRun: RunInfo? {
        runsScreen.selected.lazy.compactMap { id in self.runs.first { $0.id == id } }.first ?? cursorRun
    }

    /// The runs the Charts screen overlays: the pinned ones first (so each keeps its colour whatever else is shown),
    /// then the selected ones, else the one under the Runs cursor.
    public var chartRuns: [RunInfo] {
        let pinned = runsScreen.pinned.compactMap { id in runs.first { $0.id == id } }
        let selected = runsScreen.selected.compactMap { id in runs.first { $0.id == id } }
        let shown = selected.isEmpty ? (cursorRun.map { [$0] } ?? []) : selected
        return pinned + shown.filter { run in !runsScreen.pinned.contains(run.id) }
    }

    /// Config rows: every key of the table (filtered by `/`), then the sweep's axes.
    public var configRows: [ConfigRow] {
        let filter = config.filter.lowercased()
        var rows = ExperimentKeys.all.filter { filter.isEmpty || $0.name.lowercased().contains(filter) }.map { ConfigRow.key($0.name) }
        for axis in experiment.sweep where filter.isEmpty || "sweep.\(axis.key)".contains(filter) { rows.append(.sweep(axis.key)) }
        return rows
    }

    public mutating func say(_ text: String, error: Bool = false, seconds: Double = 4) {
        message = Message(text, isError: error, expires: now + seconds)
    }
}

public enum ConfigRow: Sendable, Equatable {
    case key(String)
    case sweep(String)
}
