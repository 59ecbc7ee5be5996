import Foundation
import Training

/// The Diagnostics screen: DPO's failure modes (likelihood displacement, length exploitation, collapse, drift, β not
/// acting yet, over-fitting, reward hacking, degenerate text) judged from the logged metrics of the run under the
/// Runs cursor (or the first selected), one line each; below, what the one under the cursor means, what usually
/// helps and the keys that set its threshold.
enum DiagnosticsView {
    static func layout(_ body: Rect) -> [Pane] {
        let (checks, about) = body.splitRows(min(body.height - 6, DiagnosticKind.allCases.count + 3))
        return [Pane("checks", checks), Pane("about", about)]
    }

    static func render(_ state: AppState, _ panes: [Pane], _ canvas: inout Canvas, _ glyphs: Glyphs) {
        guard let run = state.focusRun else {
            let inside = Widgets.box(&canvas, panes["checks"], title: "Diagnostics", focused: true, glyphs: glyphs)
            Widgets.paragraph(&canvas, inside, "no run selected: pick one on the Runs screen (3)", style: .dim, glyphs: glyphs)
            Widgets.box(&canvas, panes["about"], glyphs: glyphs)
            return
        }
        let diagnoses = run.diagnoses
        let fired = diagnoses.filter { $0.verdict == .fired }.count
        let right = fired == 0 ? "no warnings" : "\(glyphs.warning) \(fired) warning\(fired == 1 ? "" : "s")"
        let inside = Widgets.box(&canvas, panes["checks"], title: "Diagnostics · \(run.name)", right: right, focused: true, glyphs: glyphs)
        let titleWidth = DiagnosticKind.allCases.map { TextWidth.of($0.title) }.max() ?? 0
        for (row, diagnosis) in diagnoses.enumerated() where row < inside.height {
            let y = inside.y + row
            let (mark, style) = look(diagnosis.verdict, glyphs)
            var x = canvas.text(mark + " ", x: inside.x, y: y, style: style, clip: inside)
            x = canvas.text(TextWidth.pad(diagnosis.kind.title, to: titleWidth + 2), x: x, y: y,
                            style: diagnosis.verdict == .fired ? style : .bold, clip: inside)
            let step = diagnosis.step.map { String(format: " @ %.0f", $0) } ?? ""
            canvas.text(TextWidth.truncate(diagnosis.detail + step, to: max(0, inside.maxX - x)), x: x, y: y,
                        style: diagnosis.verdict == .unknown ? .dim : .plain, clip: inside)
            if row == state.diagnostics.cursor { canvas.highlight(Rect(x: inside.x, y: y, width: inside.width, height: 1), .reverse) }
        }
        let diagnosis = diagnoses[min(state.diagnostics.cursor, diagnoses.count - 1)]
        let kind = diagnosis.kind
        let about = Widgets.box(&canvas, panes["about"], title: kind.title, titleStyle: look(diagnosis.verdict, glyphs).1.with(.bold), glyphs: glyphs)
        let settings = run.experiment ?? Experiment()
        let limits = kind.thresholdKeys.map { key in "\(key) \(ExperimentKeys.named(key).map { $0.value(settings) } ?? "")" }
        let measured = diagnosis.detail + (diagnosis.step.map { String(format: " (step %.0f)", $0) } ?? "")
        let text = "Now: \(measured).\nWhen it fires: \(kind.explanation).\nRemedies: \(kind.remedies).\nThresholds: \(limits.joined(separator: ", "))."
        Widgets.paragraph(&canvas, about, text, glyphs: glyphs)
    }

    /// The mark and colour of a verdict.
    static func look(_ verdict: Diagnosis.Verdict, _ glyphs: Glyphs) -> (String, Style) {
        switch verdict {
        case .fired: (glyphs.warning, Style(Theme.warning, .bold))
        case .clear: (glyphs.clear, Style(.green))
        case .unknown: (glyphs.unknown, .dim)
        }
    }
}
