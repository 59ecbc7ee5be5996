/// A key press as the workbench sees it.
public enum Key: Hashable, Sendable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    /// Control plus a letter, e.g. `.ctrl("c")`.
    case ctrl(Character)
    case resize
    /// A left click at a cell of the screen.
    case mouse(x: Int, y: Int)

    /// How the help screen and the hint bar write the key.
    public var label: String {
        switch self {
        case .char(" "): "space"
        case .char(let c): String(c)
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .backspace: "Bksp"
        case .delete: "Del"
        case .ctrl(let c): "C-\(c)"
        case .resize: "resize"
        case .mouse: "click"
        }
    }
}

/// The screens, numbered as the number keys that open them.
public enum ScreenID: Int, CaseIterable, Sendable {
    case data = 1, config, runs, charts, samples, diagnostics
    /// The human judge: a tab only while a session is open (`AppState.screens`), so no number key opens it.
    case judge

    public var title: String {
        switch self {
        case .data: "Data"
        case .config: "Config"
        case .runs: "Runs"
        case .charts: "Charts"
        case .samples: "Samples"
        case .diagnostics: "Diagnostics"
        case .judge: "Judge"
        }
    }
}

/// Everything a key can do. Screens interpret the generic moves (`up`, `down`, …) in their own terms.
public enum Action: Sendable, Hashable {
    case quit, help, nextScreen, previousScreen, show(ScreenID), command, cancel
    case up, down, left, right, pageUp, pageDown, top, bottom
    case search, nextMatch, previousMatch, toggleStatistics
    case edit, cycleForward, cycleBackward, resetValue, save
    case startRun, queueSweep, toggleSelection, pauseResume, stopRun, resumeRun, openCharts, diffRuns, cloneRun, cloneRunWarm, togglePin
    case zoom, smoothMore, smoothLess, toggleRaw, toggleXAxis, toggleFrontier, toggleInspect, inspectEarlier, inspectLater
    case earlierStep, laterStep
    case browseGeneratedPairs, openJudge, judge(Verdict), undoJudgment, closeJudge
    case detach, stopAndQuit
}

/// Where a binding applies: everywhere, or on one screen (screen bindings win over global ones).
public enum BindingContext: Sendable, Hashable {
    case global
    case screen(ScreenID)
    /// The dialog `q` opens while runs of this workbench are active.
    case quitDialog

    public var title: String {
        switch self {
        case .global: "Everywhere"
        case .screen(let screen): screen.title
        case .quitDialog: "Quit dialog"
        }
    }
}

/// What a `:` command does; `Update.command` carries it out.
public enum Command: Sendable, Hashable {
    case set, reset, save, open, start, sweep, smooth, xAxis, help, quit
}

/// One `:` command: the names that call it (help shows the first), its arguments and a line of help.
public struct CommandBinding: Sendable {
    public let command: Command
    public let names: [String]
    public let arguments: String
    public let help: String
    /// Changes the experiment, runs or files: not offered by `dpo watch`.
    public let mutates: Bool

    public init(_ command: Command, _ names: [String], _ arguments: String, _ help: String, mutates: Bool = false) {
        self.command = command
        self.names = names
        self.arguments = arguments
        self.help = help
        self.mutates = mutates
    }

    /// `:sweep [KEY v1,v2 | KEY | clear]`, as help writes it.
    public var usage: String { ":" + names[0] + (arguments.isEmpty ? "" : " " + arguments) }
}

/// One row of the key-binding table. The help screen and the hint bar are generated from these rows, so the keys
/// a user reads about are the keys that work.
public struct KeyBinding: Sendable {
    public let keys: [Key]
    public let action: Action
    public let context: BindingContext
    public let help: String
    /// Short label for the hint bar; nil keeps the binding out of it.
    public let hint: String?
    /// Changes runs or files, or needs the Data screen: not offered by `dpo watch`.
    public let mutates: Bool

    public init(_ keys: [Key], _ action: Action, _ context: BindingContext, _ help: String, hint: String? = nil, mutates: Bool = false) {
        self.keys = keys
        self.action = action
        self.context = context
        self.help = help
        self.hint = hint
        self.mutates = mutates
    }

    /// The keys as written in help: `j/↓`.
    public var keyLabel: String { keys.map(\.label).joined(separator: "/") }
}

public enum KeyBindings {
    public static let table: [KeyBinding] = [
        // Everywhere
        KeyBinding([.char("?")], .help, .global, "show this help (generated from the key table)", hint: "help"),
        KeyBinding([.char("q"), .ctrl("c")], .quit, .global, "quit; asks first when runs started here are active", hint: "quit"),
        KeyBinding([.char("1")], .show(.data), .global, "Data: the dataset's pairs and statistics"),
        KeyBinding([.char("2")], .show(.config), .global, "Config: every hyperparameter, editable"),
        KeyBinding([.char("3")], .show(.runs), .global, "Runs: every run under output_dir"),
        KeyBinding([.char("4")], .show(.charts), .global, "Charts: live curves of the selected runs"),
        KeyBinding([.char("5")], .show(.samples), .global, "Samples: policy and reference completions"),
        KeyBinding([.char("6")], .show(.diagnostics), .global, "Diagnostics: DPO's failure modes, with remedies"),
        KeyBinding([.tab], .nextScreen, .global, "next screen", hint: "screens"),
        KeyBinding([.backTab], .previousScreen, .global, "previous screen"),
        KeyBinding([.char(":")], .command, .global, "command: :beta 0.2, :set k=v, :w [file], :start, :sweep k v1,v2, :smooth 0.8, :q", hint: "cmd"),
        KeyBinding([.char("j"), .down], .down, .global, "move down"),
        KeyBinding([.char("k"), .up], .up, .global, "move up"),
        KeyBinding([.pageDown, .ctrl("d")], .pageDown, .global, "page down"),
        KeyBinding([.pageUp, .ctrl("u")], .pageUp, .global, "page up"),
        KeyBinding([.char("g"), .home], .top, .global, "first item"),
        KeyBinding([.char("G"), .end], .bottom, .global, "last item"),
        KeyBinding([.char("s")], .startRun, .global, "start a run of the Config screen's experiment (queued if one is running)", hint: "start", mutates: true),
        KeyBinding([.escape], .cancel, .global, "close, cancel, clear the search"),
        // Data
        KeyBinding([.char("/")], .search, .screen(.data), "search prompts and completions", hint: "search"),
        KeyBinding([.char("n")], .nextMatch, .screen(.data), "next match"),
        KeyBinding([.char("N")], .previousMatch, .screen(.data), "previous match"),
        KeyBinding([.char("t")], .toggleStatistics, .screen(.data), "statistics (lengths, histograms, length bias) ↔ pairs", hint: "stats"),
        KeyBinding([.char("J")], .openJudge, .screen(.data), "judge these pairs yourself, A/B (saved beside a run's pairs, else in output_dir)",
                   hint: "judge", mutates: true),
        // Config
        KeyBinding([.enter, .char("e")], .edit, .screen(.config), "edit the value (Enter applies, Esc cancels)", hint: "edit", mutates: true),
        KeyBinding([.char("l"), .right], .cycleForward, .screen(.config), "next choice (loss type, dataset, scheduler, booleans, …)", hint: "choice", mutates: true),
        KeyBinding([.char("h"), .left], .cycleBackward, .screen(.config), "previous choice", mutates: true),
        KeyBinding([.char("d")], .resetValue, .screen(.config), "back to the default value", mutates: true),
        KeyBinding([.char("w")], .save, .screen(.config), "save the experiment as YAML", hint: "save", mutates: true),
        KeyBinding([.char("S")], .queueSweep, .screen(.config), "queue a run for each combination of the sweep: values", hint: "sweep", mutates: true),
        KeyBinding([.char("/")], .search, .screen(.config), "filter keys by name"),
        // Runs
        KeyBinding([.char(" ")], .toggleSelection, .screen(.runs), "select for the Charts overlay", hint: "select"),
        KeyBinding([.char("P")], .togglePin, .screen(.runs), "pin: always on the Charts screen, first, in a colour of its own"),
        KeyBinding([.char("p")], .pauseResume, .screen(.runs), "pause or resume a run started here", hint: "pause", mutates: true),
        KeyBinding([.char("x")], .stopRun, .screen(.runs), "stop: checkpoint and mark stopped (runs of other processes too, by their stop-request file)", hint: "stop", mutates: true),
        KeyBinding([.char("r")], .resumeRun, .screen(.runs), "resume a stopped or failed run from its checkpoint", hint: "resume", mutates: true),
        KeyBinding([.enter], .openCharts, .screen(.runs), "charts of this run"),
        KeyBinding([.char("S")], .queueSweep, .screen(.runs), "queue the Config screen's sweep", mutates: true),
        KeyBinding([.char("d")], .browseGeneratedPairs, .screen(.runs), "the run's generated pairs (Online DPO, RSO) on the Data screen",
                   hint: "pairs", mutates: true),
        KeyBinding([.char("/")], .search, .screen(.runs), "filter runs: beta<0.2 and loss_type=ipo, state=running, warnings>0 (Esc clears)",
                   hint: "filter"),
        KeyBinding([.char("c")], .cloneRun, .screen(.runs), "clone: the run's config on the Config screen, to change and start as a new run",
                   hint: "clone", mutates: true),
        KeyBinding([.char("C")], .cloneRunWarm, .screen(.runs), "clone with a warm start: as c, with init_from its newest checkpoint (the reference stays its model)",
                   mutates: true),
        KeyBinding([.char("D")], .diffRuns, .screen(.runs), "config diff of the two selected runs (or the selected one and the cursor's)",
                   hint: "diff"),
        KeyBinding([.char("J")], .openJudge, .screen(.runs), "judge the run's generated pairs yourself, A/B (into the run's human_pairs.jsonl)",
                   hint: "judge", mutates: true),
        // Charts
        KeyBinding([.char("h"), .left], .left, .screen(.charts), "previous chart"),
        KeyBinding([.char("l"), .right], .right, .screen(.charts), "next chart"),
        KeyBinding([.char("z"), .enter], .zoom, .screen(.charts), "zoom the chart to the full screen, or back", hint: "zoom"),
        KeyBinding([.char("+"), .char("=")], .smoothMore, .screen(.charts), "more smoothing", hint: "smooth"),
        KeyBinding([.char("-")], .smoothLess, .screen(.charts), "less smoothing"),
        KeyBinding([.char("o")], .toggleRaw, .screen(.charts), "raw lines beneath the smoothed ones on/off"),
        KeyBinding([.char("w")], .toggleXAxis, .screen(.charts), "x axis: step ↔ wall time", hint: "x-axis"),
        KeyBinding([.char("/")], .search, .screen(.charts), "show the charts whose title contains the text (rewards, eval_, samples; Esc clears)",
                   hint: "filter"),
        KeyBinding([.char("i")], .toggleInspect, .screen(.charts), "inspection cursor on every chart at once: the values at one step", hint: "inspect"),
        KeyBinding([.char("[")], .inspectEarlier, .screen(.charts), "inspection cursor to the previous logged step"),
        KeyBinding([.char("]")], .inspectLater, .screen(.charts), "inspection cursor to the next logged step (a click on a chart puts it there)"),
        KeyBinding([.char("f")], .toggleFrontier, .screen(.charts),
                   "reward-vs-KL frontier (DPO paper, Fig. 2) of the selected runs, or of all when none is, and back", hint: "frontier"),
        // Samples
        KeyBinding([.char("["), .char("h"), .left], .earlierStep, .screen(.samples), "samples of the previous evaluation", hint: "step"),
        KeyBinding([.char("]"), .char("l"), .right], .laterStep, .screen(.samples), "samples of the next evaluation"),
        // Judge
        KeyBinding([.char("a"), .char("1")], .judge(.a), .screen(.judge), "prefer A (saved at once as a preference pair)", hint: "A", mutates: true),
        KeyBinding([.char("b"), .char("2")], .judge(.b), .screen(.judge), "prefer B", hint: "B", mutates: true),
        KeyBinding([.char("t")], .judge(.tie), .screen(.judge), "tie: neither (kept in the judgments journal, not as a pair)", hint: "tie", mutates: true),
        KeyBinding([.char("s")], .judge(.skip), .screen(.judge), "skip this pair", hint: "skip", mutates: true),
        KeyBinding([.char("u")], .undoJudgment, .screen(.judge), "undo the last verdict, also after a restart", hint: "undo", mutates: true),
        KeyBinding([.char("q"), .escape], .closeJudge, .screen(.judge), "back to the screen it was opened from (reopening resumes)", hint: "back"),
        // Quit dialog
        KeyBinding([.char("d"), .char("k")], .detach, .quitDialog, "keep them running detached (reopen dpo to watch them)"),
        KeyBinding([.char("s"), .char("x")], .stopAndQuit, .quitDialog, "stop them now, each with a checkpoint (r resumes later)"),
        KeyBinding([.escape, .char("n"), .char("c"), .char("q")], .cancel, .quitDialog, "back to the workbench"),
    ]

    /// The `:` commands, in the order help lists them.
    public static let commands: [CommandBinding] = [
        CommandBinding(.set, ["set"], "KEY=VALUE", "set a key (also :KEY VALUE and :KEY=VALUE)", mutates: true),
        CommandBinding(.reset, ["reset"], "KEY", "back to the key's default", mutates: true),
        CommandBinding(.save, ["w", "save", "write"], "[FILE]", "save the experiment as YAML (default: the file it came from)", mutates: true),
        CommandBinding(.open, ["e", "open", "edit"], "FILE", "load an experiment file (and follow its output_dir)"),
        CommandBinding(.start, ["start", "run"], "", "start a run of the experiment", mutates: true),
        CommandBinding(.sweep, ["sweep"], "[KEY v1,v2 | KEY | clear]", "queue the sweep; set, remove or clear its axes", mutates: true),
        CommandBinding(.smooth, ["smooth", "smoothing"], "W", "chart smoothing weight in [0, 1)"),
        CommandBinding(.xAxis, ["x", "xaxis"], "step|time", "charts' x axis"),
        CommandBinding(.help, ["help", "h"], "", "this help"),
        CommandBinding(.quit, ["q", "quit", "q!"], "", "quit (asks first when runs started here are active)"),
    ]

    public static func command(named name: String) -> CommandBinding? { commands.first { $0.names.contains(name) } }

    /// The action of `key` on `screen`: the screen's own binding first, then a global one.
    public static func action(for key: Key, on screen: ScreenID, readOnly: Bool) -> Action? {
        let candidates = table.filter { $0.keys.contains(key) && (!readOnly || !$0.mutates) }
        return (candidates.first { $0.context == .screen(screen) } ?? candidates.first { $0.context == .global })?.action
    }

    /// The action of `key` in a dialog: only the dialog's own bindings count.
    public static func action(for key: Key, in context: BindingContext) -> Action? {
        table.first { $0.context == context && $0.keys.contains(key) }?.action
    }

    /// Hints for the bar: the screen's, then the global ones, in table order.
    public static func hints(on screen: ScreenID, readOnly: Bool) -> [(keys: String, label: String)] {
        let own = table.filter { $0.context == .screen(screen) && $0.hint != nil && (!readOnly || !$0.mutates) }
        let taken = Set(table.filter { $0.context == .screen(screen) }.flatMap(\.keys))
        // A global key the screen binds to something else (the judge's q and s) is not offered as the global one.
        let global = table.filter { $0.context == .global && $0.hint != nil && (!readOnly || !$0.mutates) && !taken.contains($0.keys[0]) }
        return (own + global).map { ($0.keys[0].label, $0.hint!) }
    }

    /// The help text: one section per context, one line per binding.
    public static func helpLines(screens: [ScreenID], readOnly: Bool) -> [(section: String?, keys: String, help: String)] {
        var lines: [(String?, String, String)] = []
        let contexts = [BindingContext.global] + screens.map { BindingContext.screen($0) }
        for context in contexts {
            let rows = table.filter {
                $0.context == context && (!readOnly || !$0.mutates)
                    && { if case .show(let screen) = $0.action { return screens.contains(screen) } else { return true } }($0)
            }
            guard !rows.isEmpty else { continue }
            lines.append((context.title, "", ""))
            for row in rows { lines.append((nil, row.keyLabel, row.help)) }
        }
        let commands = self.commands.filter { !readOnly || !$0.mutates }
        lines.append(("Commands (: then Enter)", "", ""))
        for command in commands { lines.append((nil, command.usage, command.help)) }
        if !readOnly {
            lines.append((BindingContext.quitDialog.title, "", ""))
            for row in table where row.context == .quitDialog { lines.append((nil, row.keyLabel, row.help)) }
        }
        return lines
    }
}
