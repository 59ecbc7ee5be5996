import Foundation
import Training

/// The Runs screen: every run under the output folder, with state, progress, ETA and last metrics; the run under
/// the cursor's details and log below.
enum RunsView {
    static func detailHeight(_ body: Rect) -> Int { max(7, body.height / 3) }

    static func layout(_ body: Rect) -> [Pane] {
        let (table, detail) = body.splitRows(body.height - detailHeight(body))
        return [Pane("runs", table), Pane("run-detail", detail)]
    }

    static func visibleRows(_ body: Rect) -> Int { max(1, body.height - detailHeight(body) - 3) }

    static let columns = [
        Widgets.Column("", 1, priority: 100),
        Widgets.Column("run", 0),
        Widgets.Column("state", 8, priority: 95),
        Widgets.Column("⚠", 2, right: true, priority: 85),
        Widgets.Column("stage", 5, priority: 50),
        Widgets.Column("step", 9, right: true, priority: 90),
        Widgets.Column("ETA", 6, right: true, priority: 70),
        Widgets.Column("loss", 7, right: true, priority: 80),
        Widgets.Column("acc", 5, right: true, priority: 75),
        Widgets.Column("β", 6, right: true, priority: 60),
        Widgets.Column("lr", 7, right: true, priority: 55),
        Widgets.Column("ε", 5, right: true, priority: 40),
    ]

    static func clock(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "" }
        let total = Int(seconds.rounded())
        if total >= 3600 { return String(format: "%d:%02d:%02d", total / 3600, (total % 3600) / 60, total % 60) }
        return String(format: "%d:%02d", total / 60, total % 60)
    }

    static func stepText(_ run: RunInfo) -> String {
        guard let status = run.status, status.totalSteps > 0 else { return run.pending ? "" : "–" }
        // status.json is written about once a second; the journals may already be further.
        let logged = (status.stage == .sft ? run.sft.lastStep : run.metrics.lastStep).map { Int($0) } ?? 0
        return "\(min(status.totalSteps, max(status.step, logged)))/\(status.totalSteps)"
    }

    /// The run's count of fired warnings (see the Diagnostics screen), blank when none fired.
    static func warningCell(_ run: RunInfo, _ glyphs: Glyphs) -> (String, Style) {
        let count = run.warnings
        return count == 0 ? ("", .plain) : ("\(count)", Style(Theme.warning, .bold))
    }

    static func render(_ state: AppState, _ panes: [Pane], _ canvas: inout Canvas, _ glyphs: Glyphs) {
        let running = state.runs.filter { $0.status?.state == .running && !$0.lost }.count
        let right = "\(state.runs.count) run\(state.runs.count == 1 ? "" : "s")" + (running > 0 ? " · \(running) training" : "")
        let title = state.runsScreen.filter.isEmpty ? "Runs · \(state.runsDirectory)" : "Runs · filter \(state.runsScreen.filter)"
        let inside = Widgets.box(&canvas, panes["runs"], title: title, right: right, focused: true, glyphs: glyphs)
        if state.runs.isEmpty {
            let hint = state.readOnly ? "no runs here yet; this screen follows the folder and shows runs as they appear"
                : "no runs yet: press s to train the Config screen's experiment (or run `dpo train` in another terminal)"
            Widgets.paragraph(&canvas, inside, hint, style: .dim, glyphs: glyphs)
            Widgets.box(&canvas, panes["run-detail"], glyphs: glyphs)
            return
        }
        let kept = Widgets.fit(columns, width: inside.width - 1, minimum: 16)
        let positions = Widgets.columnPositions(columns, kept: kept, x: inside.x, width: inside.width - 1)
        Widgets.row(&canvas, columns.map { ($0.title, Style.bold) }, columns: columns, positions: positions, y: inside.y, clip: inside)
        let list = Rect(x: inside.x, y: inside.y + 1, width: inside.width, height: inside.height - 1)
        let selected = state.runsScreen.selected
        for row in 0..<list.height {
            let index = state.runsScreen.scroll + row
            guard index < state.runs.count else { break }
            let run = state.runs[index]
            // The mark's colour is the run's colour on the Charts screen.
            let chartIndex = selected.contains(run.id) || state.runsScreen.pinned.contains(run.id) ? state.chartRuns.firstIndex { $0.id == run.id } : nil
            let mark = state.runsScreen.pinned.contains(run.id) ? glyphs.pinned : (chartIndex.map { _ in glyphs.selected } ?? " ")
            let markStyle = chartIndex.map { Style(Theme.series($0), .bold) } ?? .plain
            let number = { (value: Double?) in value.map { LineChart.number($0, width: 7) } ?? "" }
            let accuracy = run.metrics.last("rewards/accuracies").map { String(format: "%.2f", $0) } ?? ""
            let loss = (run.status?.stage == .sft ? run.sft.last("loss") : run.metrics.last("loss")) ?? run.metrics.last("loss")
            let cells: [(String, Style)] = [
                (mark, markStyle), (run.name, run.ownedHere ? .bold : .plain), (run.stateLabel, Theme.state(run.stateLabel)),
                warningCell(run, glyphs),
                (run.status?.stage.rawValue ?? "", .dim), (stepText(run), .plain), (clock(run.eta(now: state.now)), .dim),
                (number(loss), .plain), (accuracy, .plain), (number(run.beta), .dim), (number(run.learningRate), .dim),
                (number(run.labelSmoothing), .dim),
            ]
            Widgets.row(&canvas, cells, columns: columns, positions: positions, y: list.y + row, clip: list)
            if index == state.runsScreen.cursor { canvas.highlight(Rect(x: list.x, y: list.y + row, width: list.width - 1, height: 1), .reverse) }
        }
        Widgets.scrollbar(&canvas, Rect(x: list.maxX - 1, y: list.y, width: 1, height: list.height), total: state.runs.count,
                          visible: list.height, offset: state.runsScreen.scroll, glyphs: glyphs)
        detail(state, panes["run-detail"], &canvas, glyphs)
    }

    private static func detail(_ state: AppState, _ rect: Rect, _ canvas: inout Canvas, _ glyphs: Glyphs) {
        guard let run = state.cursorRun else {
            Widgets.box(&canvas, rect, glyphs: glyphs)
            return
        }
        let inside = Widgets.box(&canvas, rect, title: run.name, right: run.ownedHere ? "training in this workbench" : (run.pending ? "queued here" : ""),
                                 glyphs: glyphs)
        var lines: [(String, Style)] = []
        if run.pending {
            lines.append(("waits for the run before it to end (x removes it from the queue)", .dim))
        } else if let status = run.status {
            var facts = ["\(run.stateLabel)", "\(status.stage) \(stepText(run))", "pid \(status.pid)"]
            let age = state.now - status.heartbeat
            if status.state.isActive { facts.append("heartbeat \(clock(max(0, age))) ago") }
            if let eta = run.eta(now: state.now) { facts.append("ETA \(clock(eta))") }
            if let loss = run.lossType { facts.append(loss) }
            lines.append((facts.joined(separator: " · "), Theme.state(run.stateLabel)))
            if run.lost { lines.append(("its process is gone (no heartbeat for 30 s): r resumes it from its last checkpoint", Style(Theme.error))) }
            if let message = status.message { lines.append((message, Style(Theme.error))) }
            if let process = run.process {
                let speed = run.metrics.last("tokens_per_s").map { String(format: " · %.0f tokens/s", $0) } ?? ""
                lines.append(("process: " + process.summary + speed, Style(Theme.accent)))
            }
            if let accuracy = run.eval.last("eval_rewards/accuracies"), let loss = run.eval.last("eval_loss") {
                lines.append((String(format: "last evaluation: loss %.4f, accuracy %.3f, margin %.3f", loss, accuracy,
                                     run.eval.last("eval_rewards/margins") ?? .nan), .plain))
            }
            let fired = run.diagnoses.filter { $0.verdict == .fired }.map(\.kind.title)
            if !fired.isEmpty {
                lines.append(("\(glyphs.warning) \(fired.joined(separator: ", ")) (6 Diagnostics)", Style(Theme.warning, .bold)))
            }
            lines.append((run.id.description, .dim))
        }
        var y = inside.y
        for (text, style) in lines where y < inside.maxY {
            canvas.text(TextWidth.truncate(text, to: inside.width), x: inside.x, y: y, style: style, clip: inside)
            y += 1
        }
        let logRows = inside.maxY - y
        for line in run.log.suffix(max(0, logRows)) {
            canvas.text(TextWidth.truncate(line, to: inside.width), x: inside.x, y: y, style: .dim, clip: inside)
            y += 1
        }
    }
}
