import Preference
import Training

/// The Config screen: every key of `ExperimentKeys.all` with its value, range and help; values edited in place
/// and validated by the key's own setter; the sweep's axes below.
enum ConfigView {
    static let detailHeight = 5

    static func layout(_ body: Rect) -> [Pane] {
        let (table, detail) = body.splitRows(body.height - detailHeight)
        return [Pane("keys", table), Pane("detail", detail)]
    }

    /// Table rows that fit (box borders and the header row excluded).
    static func visibleRows(_ body: Rect) -> Int { max(1, body.height - detailHeight - 3) }

    static let columns = [
        Widgets.Column("", 1, priority: 100),
        Widgets.Column("key", 28, priority: 100),
        Widgets.Column("value", 18, priority: 90),
        Widgets.Column("range", 24, priority: 40),
        Widgets.Column("help", 0),
    ]

    /// The values ←/→ cycle through (the key table's choices).
    static func choices(_ key: ExperimentKey, _ experiment: Experiment) -> [String]? { key.choices?(experiment) }

    static func render(_ state: AppState, _ panes: [Pane], _ canvas: inout Canvas, _ glyphs: Glyphs) {
        let rows = state.configRows
        let changed = ExperimentKeys.all.filter { $0.value(state.experiment) != $0.value(state.savedExperiment) }.count
            + (state.experiment.sweep == state.savedExperiment.sweep ? 0 : 1)
        let file = state.experimentFile ?? "built-in demo, no file (w writes one)"
        let right = (state.config.filter.isEmpty ? "" : "/\(state.config.filter) · ") + (changed > 0 ? "\(changed) unsaved" : "saved")
        let inside = Widgets.box(&canvas, panes["keys"], title: "Experiment · \(file)", right: right, focused: true, glyphs: glyphs)
        let kept = Widgets.fit(columns, width: inside.width - 1, minimum: 14)
        let positions = Widgets.columnPositions(columns, kept: kept, x: inside.x, width: inside.width - 1)
        Widgets.row(&canvas, columns.map { ($0.title, Style.bold) }, columns: columns, positions: positions, y: inside.y, clip: inside)
        let list = Rect(x: inside.x, y: inside.y + 1, width: inside.width, height: inside.height - 1)
        for row in 0..<list.height {
            let index = state.config.scroll + row
            guard index < rows.count else { break }
            let y = list.y + row
            let cells: [(String, Style)]
            switch rows[index] {
            case .key(let name):
                let key = ExperimentKeys.named(name)!
                let value = key.value(state.experiment)
                let modified = value != key.value(state.savedExperiment)
                var shown = value.isEmpty ? "–" : value
                if case .editing(let editing, let text) = state.mode, editing == name, index == state.config.cursor { shown = text + "▏" }
                cells = [(modified ? "•" : " ", Style(Theme.modified, .bold)), (name, .plain),
                         (shown, modified ? Style(Theme.modified, .bold) : (value.isEmpty ? .dim : .plain)),
                         (key.range, .dim), (key.help, .dim)]
            case .sweep(let name):
                let values = state.experiment.sweep.first { $0.key == name }?.values ?? []
                cells = [(" ", .plain), ("sweep.\(name)", Style(.blue)), (values.joined(separator: ", "), Style(.blue)),
                         ("values, one run each", .dim), ("S queues a run per combination of the sweep", .dim)]
            }
            Widgets.row(&canvas, cells, columns: columns, positions: positions, y: y, clip: list)
            if index == state.config.cursor {
                let editing: Bool = { if case .editing = state.mode { return true } else { return false } }()
                canvas.highlight(Rect(x: list.x, y: y, width: list.width - 1, height: 1), editing ? .underline : .reverse)
            }
        }
        Widgets.scrollbar(&canvas, Rect(x: list.maxX - 1, y: list.y, width: 1, height: list.height), total: rows.count,
                          visible: list.height, offset: state.config.scroll, glyphs: glyphs)
        detail(state, rows, panes["detail"], &canvas, glyphs)
    }

    private static func detail(_ state: AppState, _ rows: [ConfigRow], _ rect: Rect, _ canvas: inout Canvas, _ glyphs: Glyphs) {
        guard rows.indices.contains(state.config.cursor) else {
            Widgets.box(&canvas, rect, glyphs: glyphs)
            return
        }
        var lines: [(String, Style)] = []
        let title: String
        switch rows[state.config.cursor] {
        case .key(let name):
            let key = ExperimentKeys.named(name)!
            title = name
            let value = key.value(state.experiment)
            let defaultValue = key.value(Experiment())
            lines.append(("= \(value.isEmpty ? "(unset)" : value)   range \(key.range)   default \(defaultValue.isEmpty ? "(unset)" : defaultValue)", .bold))
            lines.append((key.help, .plain))
            if let choices = choices(key, state.experiment) {
                lines.append(("←/→ choose: " + choices.joined(separator: " "), .dim))
            }
        case .sweep(let name):
            title = "sweep.\(name)"
            let runs = (try? state.experiment.sweepRuns().count) ?? 0
            lines.append(("\(runs) runs in the sweep's grid; S queues them (one trains at a time)", .bold))
            lines.append((":sweep \(name) v1,v2,… changes the values, :sweep \(name) removes the axis", .dim))
        }
        if let error = state.config.error { lines.insert((error, Style(Theme.error, .bold)), at: 0) }
        let inside = Widgets.box(&canvas, rect, title: title, glyphs: glyphs)
        var y = inside.y
        for (text, style) in lines {
            for line in TextWidth.wrap(text, width: inside.width) where y < inside.maxY {
                canvas.text(line, x: inside.x, y: y, style: style, clip: inside)
                y += 1
            }
        }
    }
}
