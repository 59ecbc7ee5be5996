import Foundation

/// The Samples screen: held-out prompts with the policy's and the reference's completions side by side, and the
/// task's ground-truth reward of each, at one evaluation step of the run under the Runs cursor.
enum SamplesView {
    static func layout(_ body: Rect) -> [Pane] {
        let (list, detail) = body.splitColumns(max(30, body.width * 2 / 5))
        let (prompt, completions) = detail.splitRows(max(5, detail.height / 3))
        let (policy, reference) = completions.splitColumns(completions.width / 2)
        return [Pane("samples", list), Pane("sample-prompt", prompt), Pane("policy", policy), Pane("reference", reference)]
    }

    static func visibleRows(_ body: Rect) -> Int { max(1, body.height - 2) }

    /// The evaluation steps that have samples, oldest first.
    static func steps(_ run: RunInfo) -> [Int] { Array(Set(run.samples.map(\.step))).sorted() }

    /// The step shown and its samples.
    static func current(_ state: AppState) -> (run: RunInfo, step: Int, samples: [SampleRecord], position: Int, of: Int)? {
        guard let run = state.focusRun else { return nil }
        let steps = steps(run)
        guard !steps.isEmpty else { return nil }
        let position = max(0, steps.count - 1 - state.samples.stepsBack)
        let step = steps[position]
        return (run, step, run.samples.filter { $0.step == step }, position, steps.count)
    }

    static func render(_ state: AppState, _ panes: [Pane], _ canvas: inout Canvas, _ glyphs: Glyphs) {
        guard let (run, step, samples, position, count) = current(state) else {
            let inside = Widgets.box(&canvas, panes["samples"], title: "Samples", focused: true, glyphs: glyphs)
            let text = state.focusRun == nil ? "no run selected: pick one on the Runs screen (3)"
                : "no samples yet: a run samples held-out prompts at each evaluation (eval_steps) and at its end"
            Widgets.paragraph(&canvas, inside, text, style: .dim, glyphs: glyphs)
            for name in ["sample-prompt", "policy", "reference"] { Widgets.box(&canvas, panes[name], glyphs: glyphs) }
            return
        }
        let policyRewards = samples.compactMap(\.rewardPolicy)
        let referenceRewards = samples.compactMap(\.rewardReference)
        let mean = { (values: [Double]) in values.isEmpty ? "–" : String(format: "%.3f", values.reduce(0, +) / Double(values.count)) }
        let right = policyRewards.isEmpty ? "" : "policy \(mean(policyRewards)) · ref \(mean(referenceRewards))"
        let list = Widgets.box(&canvas, panes["samples"], title: "step \(step) · \(position + 1)/\(count)", right: right,
                               focused: true, glyphs: glyphs)
        let hasRewards = !policyRewards.isEmpty
        for row in 0..<list.height {
            let index = state.samples.scroll + row
            guard index < samples.count else { break }
            let sample = samples[index]
            let y = list.y + row
            var x = list.x
            if hasRewards {
                let policy = sample.rewardPolicy ?? .nan, reference = sample.rewardReference ?? .nan
                let better = policy > reference ? Style(Theme.chosen) : (policy < reference ? Style(Theme.rejected) : .plain)
                x = canvas.text(String(format: "%.2f", policy), x: x, y: y, style: better, clip: list)
                x = canvas.text(String(format: " %.2f ", reference), x: x, y: y, style: .dim, clip: list)
            }
            let preview = sample.prompt.split(whereSeparator: \.isNewline).joined(separator: " ")
            canvas.text(TextWidth.truncate(preview, to: max(0, list.maxX - x)), x: x, y: y, clip: list)
            if index == state.samples.cursor { canvas.highlight(Rect(x: list.x, y: y, width: list.width, height: 1), .reverse) }
        }
        Widgets.scrollbar(&canvas, Rect(x: list.maxX, y: list.y, width: 1, height: list.height), total: samples.count,
                          visible: list.height, offset: state.samples.scroll, glyphs: glyphs)
        guard samples.indices.contains(state.samples.cursor) else { return }
        let sample = samples[state.samples.cursor]
        let prompt = Widgets.box(&canvas, panes["sample-prompt"], title: "Prompt", right: run.name, glyphs: glyphs)
        Widgets.paragraph(&canvas, prompt, sample.prompt, glyphs: glyphs)
        let reward = { (value: Double?) in value.map { String(format: " · %.3f", $0) } ?? "" }
        let policy = Widgets.box(&canvas, panes["policy"], title: "Policy" + reward(sample.rewardPolicy), titleStyle: Style(Theme.chosen, .bold),
                                 glyphs: glyphs)
        Widgets.paragraph(&canvas, policy, sample.policy.isEmpty ? "(empty)" : sample.policy, style: sample.policy.isEmpty ? .dim : .plain,
                          glyphs: glyphs)
        let reference = Widgets.box(&canvas, panes["reference"], title: "Reference" + reward(sample.rewardReference), titleStyle: Style(.blue, .bold),
                                    glyphs: glyphs)
        Widgets.paragraph(&canvas, reference, sample.reference ?? "(none)", style: sample.reference == nil ? .dim : .plain, glyphs: glyphs)
    }
}
