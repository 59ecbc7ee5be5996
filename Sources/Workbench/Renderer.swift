import Foundation

/// Options that change how a frame looks, not what it says.
public struct RenderOptions: Sendable, Equatable {
    public var charset: Charset
    public var colors: Bool

    public init(charset: Charset = .braille, colors: Bool = true) {
        self.charset = charset
        self.colors = colors
    }
}

/// A frame from the state and the terminal size: a pure function, so every screen is tested as text.
public enum Renderer {
    public static func frame(_ state: AppState, size: Size, options: RenderOptions = RenderOptions()) -> Canvas {
        var canvas = Canvas(size)
        let glyphs = Glyphs(options.charset)
        guard Layout.fits(size) else {
            let lines = ["needs \(Layout.minimum.width)×\(Layout.minimum.height)", "this terminal is \(size.width)×\(size.height)"]
            for (index, line) in lines.enumerated() {
                canvas.text(line, x: max(0, (size.width - TextWidth.of(line)) / 2), y: max(0, size.height / 2 - 1 + index),
                            style: index == 0 ? .bold : .dim)
            }
            if options.charset == .ascii { asciiOnly(&canvas) }
            return canvas
        }
        let panes = Layout.panes(state, size: size)
        tabBar(state, panes["tabs"], &canvas, glyphs)
        switch state.screen {
        case .data: DataView.render(state, panes, &canvas, glyphs)
        case .config: ConfigView.render(state, panes, &canvas, glyphs)
        case .runs: RunsView.render(state, panes, &canvas, glyphs)
        case .charts: ChartsView.render(state, panes, &canvas, glyphs)
        case .samples: SamplesView.render(state, panes, &canvas, glyphs)
        case .diagnostics: DiagnosticsView.render(state, panes, &canvas, glyphs)
        case .judge: JudgeView.render(state, panes, &canvas, glyphs)
        }
        hintBar(state, panes["hints"], &canvas, glyphs)
        switch state.mode {
        case .help(let scroll): help(state, scroll: scroll, &canvas, glyphs)
        case .confirmQuit: confirmQuit(state, &canvas, glyphs)
        case .stopping: stopping(state, &canvas, glyphs)
        case .configDiff(let a, let b): configDiff(state, a, b, &canvas, glyphs)
        default: break
        }
        if options.charset == .ascii { asciiOnly(&canvas) }
        if !options.colors {
            for y in 0..<canvas.height {
                for x in 0..<canvas.width where canvas[x, y].style.color != .standard {
                    var cell = canvas[x, y]
                    cell.style.color = .standard
                    canvas[x, y] = cell
                }
            }
        }
        return canvas
    }

    /// Replaces what is not ASCII (symbols of the chrome, and any of the data) for terminals without UTF-8.
    static func asciiOnly(_ canvas: inout Canvas) {
        let replacements: [String: String] = [
            "·": "-", "━": "=", "β": "b", "ε": "e", "–": "-", "—": "-", "−": "-", "…": "~", "×": "x", "↔": "<>", "←": "<",
            "→": ">", "↑": "^", "⚠": "!", "✓": "+", "◆": "^", "↓": "v", "≥": ">", "≤": "<", "▏": "|", "✂": "%", "●": "*", "▶": ">", "γ": "g", "₁": "1", "₂": "2",
        ]
        for y in 0..<canvas.height {
            for x in 0..<canvas.width {
                let cell = canvas[x, y]
                guard !cell.text.isEmpty, !cell.text.unicodeScalars.allSatisfy(\.isASCII) else { continue }
                canvas[x, y] = Cell(replacements[cell.text] ?? "?", cell.style)
            }
        }
    }

    static func tabBar(_ state: AppState, _ rect: Rect, _ canvas: inout Canvas, _ glyphs: Glyphs) {
        let layout = tabBarLayout(state, width: rect.width, glyphs)
        var x = canvas.text(" DPO ", x: rect.x, y: rect.y, style: Style(Theme.accent, [.bold, .reverse]))
        x += 1
        for (screen, label) in zip(state.screens, layout.tabs) {
            let active = screen == state.screen
            x = canvas.text(label, x: x, y: rect.y, style: active ? Style(.standard, [.bold, .reverse]) : .plain, clip: rect)
        }
        var column = rect.maxX - TextWidth.of(layout.status.map(\.0).joined(separator: " · ")) - 1
        for (index, (part, style)) in layout.status.enumerated() {
            if index > 0 { column = canvas.text(" · ", x: column, y: rect.y, style: .dim) }
            column = canvas.text(part, x: column, y: rect.y, style: style)
        }
    }

    /// The tab labels and status parts that fit a width: the tabs give way first (only the current one keeps its
    /// title), then the training run's progress, then the whole status.
    static func tabBarLayout(_ state: AppState, width: Int, _ glyphs: Glyphs) -> (tabs: [String], status: [(String, Style)]) {
        let training = state.runs.filter { $0.status?.state == .running && !$0.lost && !$0.pending }
        let queued = state.runs.filter(\.pending).count
        let warnings = state.runs.reduce(0) { $0 + $1.warnings }
        let status = { (progress: Bool) -> [(String, Style)] in
            var parts: [(String, Style)] = []
            if let first = training.first {
                let detail = progress && training.count == 1 ? " \(first.status!.stage) \(RunsView.stepText(first))" : ""
                parts.append(("\(glyphs.running) \(training.count) training" + detail, Style(.green, .bold)))
            }
            if queued > 0 { parts.append(("\(queued) queued", Style(.blue))) }
            if warnings > 0 { parts.append(("\(glyphs.warning) \(warnings) warning\(warnings == 1 ? "" : "s")", Style(Theme.warning, .bold))) }
            if state.readOnly { parts.append(("watch (read-only)", .dim)) }
            return parts
        }
        let tabs = { (compact: Bool) in
            state.screens.map { screen in compact && screen != state.screen ? " \(screen.rawValue) " : " \(screen.rawValue) \(screen.title) " }
        }
        let candidates = [(tabs(false), status(true)), (tabs(true), status(true)), (tabs(true), status(false)), (tabs(true), [])]
        let fits = { (candidate: ([String], [(String, Style)])) in
            let status = TextWidth.of(candidate.1.map(\.0).joined(separator: " · "))
            return 6 + candidate.0.reduce(0) { $0 + TextWidth.of($1) } + (status > 0 ? status + 2 : 0) <= width
        }
        let chosen = candidates.first(where: fits) ?? candidates[candidates.count - 1]
        return (chosen.0, chosen.1)
    }

    static func hintBar(_ state: AppState, _ rect: Rect, _ canvas: inout Canvas, _ glyphs: Glyphs) {
        switch state.mode {
        case .command(let text):
            let x = canvas.text(":" + text, x: rect.x, y: rect.y, style: .bold, clip: rect)
            canvas.text(" ", x: x, y: rect.y, style: .reverse, clip: rect)
            return
        case .search(let text):
            let x = canvas.text("/" + text, x: rect.x, y: rect.y, style: .bold, clip: rect)
            canvas.text(" ", x: x, y: rect.y, style: .reverse, clip: rect)
            canvas.text("Enter keep · Esc clear", x: max(x + 2, rect.maxX - 23), y: rect.y, style: .dim, clip: rect)
            return
        case .editing(let key, _):
            canvas.text("editing \(key): Enter applies (validated) · Esc cancels", x: rect.x, y: rect.y, style: .bold, clip: rect)
            return
        default:
            break
        }
        if let message = state.message, message.expires > state.now {
            canvas.text(TextWidth.truncate(message.text, to: rect.width), x: rect.x, y: rect.y,
                        style: message.isError ? Style(Theme.error, .bold) : Style(.green), clip: rect)
            return
        }
        var x = rect.x
        for (keys, label) in KeyBindings.hints(on: state.screen, readOnly: state.readOnly) {
            let width = TextWidth.of(keys) + 1 + TextWidth.of(label) + 2
            if x + width > rect.maxX { break }
            x = canvas.text(keys, x: x, y: rect.y, style: Style(Theme.accent, .bold), clip: rect)
            x = canvas.text(" " + label + "  ", x: x, y: rect.y, style: .dim, clip: rect)
        }
    }

    /// A centred box for overlays.
    static func overlay(_ canvas: inout Canvas, width: Int, height: Int, title: String, _ glyphs: Glyphs) -> Rect {
        let w = min(width, canvas.width - 2), h = min(height, canvas.height - 2)
        let rect = Rect(x: (canvas.width - w) / 2, y: (canvas.height - h) / 2, width: w, height: h)
        canvas.fill(rect)
        return Widgets.box(&canvas, rect, title: title, focused: true, glyphs: glyphs)
    }

    static func help(_ state: AppState, scroll: Int, _ canvas: inout Canvas, _ glyphs: Glyphs) {
        let lines = KeyBindings.helpLines(screens: state.helpScreens, readOnly: state.readOnly)
        let inside = overlay(&canvas, width: 96, height: canvas.height - 2, title: "Keys · j/k scroll · Esc or ? closes", glyphs)
        let keyWidth = min(16, lines.map { TextWidth.of($0.keys) }.max() ?? 8)
        for (row, line) in lines.dropFirst(scroll).prefix(inside.height).enumerated() {
            let y = inside.y + row
            if let section = line.section {
                canvas.text(section, x: inside.x, y: y, style: Style(Theme.accent, .bold), clip: inside)
            } else {
                canvas.text(TextWidth.pad(line.keys, to: keyWidth), x: inside.x + 1, y: y, style: .bold, clip: inside)
                canvas.text(TextWidth.truncate(line.help, to: inside.width - keyWidth - 3), x: inside.x + keyWidth + 3, y: y, clip: inside)
            }
        }
    }

    /// Two runs' differing keys, side by side in their chart colours.
    static func configDiff(_ state: AppState, _ a: RunID, _ b: RunID, _ canvas: inout Canvas, _ glyphs: Glyphs) {
        guard let first = state.runs.first(where: { $0.id == a }), let second = state.runs.first(where: { $0.id == b }),
              let experiments = first.experiment.flatMap({ x in second.experiment.map { (x, $0) } }) else { return }
        let rows = experiments.0.differences(from: experiments.1)
        let inside = overlay(&canvas, width: 110, height: min(canvas.height - 2, rows.count + 5),
                             title: "Config diff · \(rows.count) key\(rows.count == 1 ? "" : "s") differ · any key closes", glyphs)
        let keyWidth = min(32, max(12, rows.map { TextWidth.of($0.key) }.max() ?? 0))
        let valueWidth = max(8, (inside.width - keyWidth - 4) / 2)
        let header = [(TextWidth.pad("key", to: keyWidth), Style.bold), (TextWidth.pad(TextWidth.truncate(first.name, to: valueWidth), to: valueWidth), Style(Theme.series(0), .bold)),
                      (TextWidth.truncate(second.name, to: valueWidth), Style(Theme.series(1), .bold))]
        var x = inside.x
        for (text, style) in header { x = canvas.text(text + "  ", x: x, y: inside.y, style: style, clip: inside) }
        if rows.isEmpty { canvas.text("the two configs are the same", x: inside.x, y: inside.y + 2, style: .dim, clip: inside) }
        for (index, row) in rows.enumerated() where index + 2 < inside.height {
            let y = inside.y + 2 + index
            var x = canvas.text(TextWidth.pad(TextWidth.truncate(row.key, to: keyWidth), to: keyWidth) + "  ", x: inside.x, y: y, clip: inside)
            x = canvas.text(TextWidth.pad(TextWidth.truncate(row.this.isEmpty ? "–" : row.this, to: valueWidth), to: valueWidth) + "  ", x: x, y: y,
                            style: Style(Theme.series(0)), clip: inside)
            canvas.text(TextWidth.truncate(row.other.isEmpty ? "–" : row.other, to: valueWidth), x: x, y: y, style: Style(Theme.series(1)), clip: inside)
        }
    }

    static func confirmQuit(_ state: AppState, _ canvas: inout Canvas, _ glyphs: Glyphs) {
        let active = state.activeOwnRuns
        let training = active.filter { !$0.pending }.count, queued = active.count - training
        var what = "\(training) run\(training == 1 ? " is" : "s are") training here"
        if queued > 0 { what += ", \(queued) queued" }
        let inside = overlay(&canvas, width: 64, height: 8, title: "Quit?", glyphs)
        let lines = [("", what + ".")]
            + KeyBindings.table.filter { $0.context == .quitDialog }.map { ($0.keys[0].label, $0.help) }
        for (row, (key, text)) in lines.enumerated() where row < inside.height {
            let y = inside.y + row + (row > 0 ? 1 : 0)
            let x = canvas.text(TextWidth.pad(key, to: 4), x: inside.x + 1, y: y, style: Style(Theme.accent, .bold), clip: inside)
            canvas.text(text, x: x + 1, y: y, style: key.isEmpty ? .bold : .plain, clip: inside)
        }
    }

    static func stopping(_ state: AppState, _ canvas: inout Canvas, _ glyphs: Glyphs) {
        let inside = overlay(&canvas, width: 60, height: 5, title: "Stopping", glyphs)
        let count = state.activeOwnRuns.count
        canvas.text("waiting for \(count) run\(count == 1 ? "" : "s") to write a checkpoint…", x: inside.x + 1, y: inside.y + 1, clip: inside)
    }
}
