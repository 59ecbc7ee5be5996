import Foundation
import Training

/// The Charts screen: live curves of the selected runs (or the run under the Runs cursor), overlaid in cycling
/// colours with a legend of each run's β, learning rate and ε; one chart zoomed to the full screen with `z`.
enum ChartsView {
    enum Source: Sendable { case metrics, eval, sft }

    struct Definition: Sendable {
        let title: String
        let keys: [String]
        let names: [String]
        let source: Source
    }

    static let definitions: [Definition] = [
        Definition(title: "loss", keys: ["loss"], names: [""], source: .metrics),
        Definition(title: "rewards/margins", keys: ["rewards/margins"], names: [""], source: .metrics),
        Definition(title: "rewards/accuracies", keys: ["rewards/accuracies"], names: [""], source: .metrics),
        Definition(title: "rewards/chosen · rewards/rejected", keys: ["rewards/chosen", "rewards/rejected"], names: ["chosen", "rejected"], source: .metrics),
        Definition(title: "logps/chosen · logps/rejected", keys: ["logps/chosen", "logps/rejected"], names: ["chosen", "rejected"], source: .metrics),
        Definition(title: "grad_norm", keys: ["grad_norm"], names: [""], source: .metrics),
        Definition(title: "learning_rate", keys: ["learning_rate"], names: [""], source: .metrics),
        Definition(title: "eval_loss", keys: ["eval_loss"], names: [""], source: .eval),
        Definition(title: "eval_rewards/accuracies", keys: ["eval_rewards/accuracies"], names: [""], source: .eval),
        Definition(title: "eval_rewards/margins", keys: ["eval_rewards/margins"], names: [""], source: .eval),
        sftLoss,
    ]

    /// Before the first DPO step, the loss chart follows the SFT stage.
    static let sftLoss = Definition(title: "sft loss", keys: ["loss"], names: [""], source: .sft)

    /// Charts of one method's own metrics, after the common ones when a chart run logs them: KTO's KL reference
    /// point, Online DPO's objective, SPPO's win-probability targets; and the diagnostics' held-out samples.
    static let methodDefinitions: [Definition] = [
        Definition(title: "kl (KTO's reference point)", keys: ["kl"], names: [""], source: .metrics),
        Definition(title: "objective/scores · objective/rlhf_reward", keys: ["objective/scores", "objective/rlhf_reward"],
                   names: ["scores", "rlhf_reward"], source: .metrics),
        Definition(title: "objective/kl", keys: ["objective/kl"], names: [""], source: .metrics),
        Definition(title: "objective/entropy", keys: ["objective/entropy"], names: [""], source: .metrics),
        Definition(title: "eval_kl", keys: ["eval_kl"], names: [""], source: .eval),
        Definition(title: "sppo/prob_chosen · sppo/prob_rejected (P̂ ≻ π_t)", keys: ["sppo/prob_chosen", "sppo/prob_rejected"],
                   names: ["chosen", "rejected"], source: .metrics),
        Definition(title: "samples/reward · samples/reference_reward", keys: ["samples/reward", "samples/reference_reward"],
                   names: ["policy", "reference"], source: .eval),
        Definition(title: "samples/kl (nats per sample)", keys: ["samples/kl"], names: [""], source: .eval),
        Definition(title: "diagnostics/chosen_shift (nats from the reference)", keys: ["diagnostics/chosen_shift"], names: [""], source: .metrics),
    ]

    /// The charts for these runs, in page order; with a `/` filter, those whose title contains it.
    static func definitions(for runs: [RunInfo], filter: String = "") -> [Definition] {
        let all = definitions + methodDefinitions.filter { definition in
            runs.contains { run in definition.keys.contains { table(run, definition.source).column($0) != nil } }
        }
        return filter.isEmpty ? all : all.filter { $0.title.lowercased().contains(filter.lowercased()) }
    }

    /// Every step the runs logged (training, evaluation, SFT), in order: where the inspection cursor stops.
    static func loggedSteps(_ runs: [RunInfo]) -> [Double] {
        Array(Set(runs.flatMap { $0.metrics.steps + $0.eval.steps + $0.sft.steps })).sorted()
    }

    static func table(_ run: RunInfo, _ source: Source) -> MetricTable {
        switch source {
        case .metrics: run.metrics
        case .eval: run.eval
        case .sft: run.sft
        }
    }

    /// Columns and rows of chart panels on one page.
    static func grid(_ body: Rect, runs: Int) -> (columns: Int, rows: Int) {
        let height = body.height - headerHeight(runs)
        return (max(1, min(3, body.width / 40)), max(1, min(3, height / 10)))
    }

    static func headerHeight(_ runs: Int) -> Int { max(1, min(3, runs)) }

    static func layout(_ body: Rect, state: AppState) -> [Pane] {
        if state.charts.frontier {
            let (header, area) = body.splitRows(1)
            return [Pane("header", header), Pane("frontier", area)]
        }
        let runs = state.chartRuns.count
        let (header, area) = body.splitRows(headerHeight(runs))
        if state.charts.zoomed { return [Pane("header", header), Pane("chart-zoom", area)] }
        let (columns, rows) = grid(body, runs: runs)
        let perPage = columns * rows
        let page = state.charts.cursor / perPage
        var panes = [Pane("header", header)]
        for (row, rowRect) in area.rows(rows).enumerated() {
            for (column, rect) in rowRect.columns(columns).enumerated() {
                let index = page * perPage + row * columns + column
                if index < definitions(for: state.chartRuns, filter: state.charts.filter).count { panes.append(Pane("chart-\(index)", rect)) }
            }
        }
        return panes
    }

    /// The series of one chart for these runs.
    static func series(_ definition: Definition, runs: [RunInfo], xAxis: XAxis) -> [ChartSeries] {
        var result: [ChartSeries] = []
        for (runIndex, run) in runs.enumerated() {
            let table = Self.table(run, definition.source)
            let x: [Double]
            switch xAxis {
            case .step: x = table.steps
            case .time:
                let start = [run.metrics.times.first, run.sft.times.first, table.times.first].compactMap { $0 }.filter(\.isFinite).min() ?? 0
                x = table.times.map { $0 - start }
            }
            for (keyIndex, key) in definition.keys.enumerated() {
                guard let y = table.column(key) else { continue }
                let color = definition.keys.count > 1 ? Theme.series(runIndex * definition.keys.count + keyIndex) : Theme.series(runIndex)
                let name = definition.names[keyIndex]
                let label = runs.count > 1 || name.isEmpty ? run.legendLabel + (name.isEmpty ? "" : " \(name)") : name
                result.append(ChartSeries(label: label, x: x, y: y, color: color))
            }
        }
        return result
    }

    /// The runs the frontier draws from: the selected ones, or every run when none is selected.
    static func frontierPool(_ state: AppState) -> [RunInfo] {
        let selected = state.runs.filter { state.runsScreen.selected.contains($0.id) }
        return selected.isEmpty ? state.runs : selected
    }

    static func renderFrontier(_ state: AppState, _ panes: [Pane], _ canvas: inout Canvas, _ glyphs: Glyphs) {
        let pool = frontierPool(state)
        let frontier = Frontier(combining: pool.compactMap(\.frontier))
        let header = panes["header"]
        let scope = state.runsScreen.selected.isEmpty ? "runs" : "selected runs"
        canvas.text(" reward vs KL(π‖π_ref) · \(frontier.runs.count) of \(pool.count) \(scope) logged samples · f back to the charts",
                    x: header.x, y: header.y, style: .dim, clip: header)
        let inside = Widgets.box(&canvas, panes["frontier"], title: "Frontier · ground-truth reward of held-out samples against their KL",
                                 focused: true, glyphs: glyphs)
        guard !inside.isEmpty else { return }
        // Below the chart, when it keeps room: how much of each baseline every β-tuned run dominates.
        var dominance = frontier.compactDominance()
        if !dominance.isEmpty { dominance.insert("Dominance at equal KL:", at: 0) }
        if inside.height - dominance.count < FrontierChart.minimum.height + 4 { dominance = [] }
        let chartHeight = inside.height - dominance.count
        canvas.blit(FrontierChart(frontier).render(Size(width: inside.width, height: chartHeight), glyphs: glyphs), x: inside.x, y: inside.y)
        for (index, line) in dominance.enumerated() {
            canvas.text(TextWidth.truncate(line, to: inside.width), x: inside.x, y: inside.y + chartHeight + index,
                        style: index == 0 ? .dim : .plain, clip: inside)
        }
    }

    static func render(_ state: AppState, _ panes: [Pane], _ canvas: inout Canvas, _ glyphs: Glyphs) {
        if state.charts.frontier { return renderFrontier(state, panes, &canvas, glyphs) }
        let runs = state.chartRuns
        header(state, runs, panes["header"], &canvas, glyphs)
        if runs.isEmpty {
            let rect = panes.first { $0.name.hasPrefix("chart-") }?.rect ?? panes["header"]
            let message = state.runs.isEmpty ? "no runs yet: press s to start one, then watch it here" : "no run selected: pick one on the Runs screen (3)"
            canvas.text(message, x: max(0, (canvas.width - message.count) / 2), y: rect.y + rect.height / 2, style: .dim)
            return
        }
        let shown = definitions(for: runs, filter: state.charts.filter)
        if shown.isEmpty {
            let message = "no chart title contains \"\(state.charts.filter)\" (Esc clears the filter)"
            canvas.text(message, x: max(0, (canvas.width - TextWidth.of(message)) / 2), y: canvas.height / 2, style: .dim)
            return
        }
        for pane in panes where pane.name.hasPrefix("chart-") {
            let (index, definition, series) = content(pane, state: state, shown: shown, runs: runs)
            let last = series.first.flatMap { $0.y.last(where: \.isFinite) }.map { LineChart.number($0) } ?? ""
            let inside = Widgets.box(&canvas, pane.rect, title: definition.title, right: last,
                                     focused: index == state.charts.cursor && !state.charts.zoomed, glyphs: glyphs)
            guard !inside.isEmpty else { continue }
            var chart = LineChart(series: series, xAxis: state.charts.xAxis, smoothing: state.charts.smoothing)
            chart.showRaw = state.charts.showRaw
            chart.inspect = state.charts.inspect
            canvas.blit(chart.render(Size(width: inside.width, height: inside.height), glyphs: glyphs), x: inside.x, y: inside.y)
        }
    }

    /// What a chart pane shows: its index among `shown`, its definition and series.
    private static func content(_ pane: Pane, state: AppState, shown: [Definition], runs: [RunInfo])
        -> (index: Int, definition: Definition, series: [ChartSeries])
    {
        // The cursor may outlive a method's charts when the selection changes: it falls back to the first.
        let wanted = pane.name == "chart-zoom" ? state.charts.cursor : Int(pane.name.dropFirst("chart-".count))!
        let index = shown.indices.contains(wanted) ? wanted : 0
        let definition = shown[index]
        let series = series(definition, runs: runs, xAxis: state.charts.xAxis)
        if index == 0, series.allSatisfy({ $0.y.isEmpty }), runs.contains(where: { $0.sft.count > 0 }) {
            // Before the first DPO step, the loss chart follows the SFT stage, so a new run shows progress at once.
            return (index, sftLoss, Self.series(sftLoss, runs: runs, xAxis: state.charts.xAxis))
        }
        return (index, definition, series)
    }

    /// The chart under a click at (x, y) and the logged step nearest the x there, for the inspection cursor; nil
    /// off the charts' plots, on the time axis, or on the frontier.
    static func click(x: Int, y: Int, _ state: AppState, panes: [Pane]) -> (chart: Int, step: Double)? {
        guard !state.charts.frontier, state.charts.xAxis == .step else { return nil }
        let runs = state.chartRuns
        let shown = definitions(for: runs, filter: state.charts.filter)
        guard !shown.isEmpty else { return nil }
        for pane in panes where pane.name.hasPrefix("chart-") {
            // The box's border takes one cell on each side.
            let inside = Rect(x: pane.rect.x + 1, y: pane.rect.y + 1, width: pane.rect.width - 2, height: pane.rect.height - 2)
            guard x >= inside.x, x < inside.maxX, y >= inside.y, y < inside.maxY else { continue }
            let (index, _, series) = content(pane, state: state, shown: shown, runs: runs)
            guard let value = LineChart(series: series).xValue(atColumn: x - inside.x, width: inside.width),
                  let step = loggedSteps(runs).min(by: { abs($0 - value) < abs($1 - value) }) else { return nil }
            return (index, step)
        }
        return nil
    }

    private static func header(_ state: AppState, _ runs: [RunInfo], _ rect: Rect, _ canvas: inout Canvas, _ glyphs: Glyphs) {
        let settings = "smoothing \(String(format: "%.2f", state.charts.smoothing)) · x \(state.charts.xAxis.rawValue)"
            + (state.charts.filter.isEmpty ? "" : " · /\(state.charts.filter)")
            + (state.charts.inspect.map { " · @" + LineChart.number($0) } ?? "")
            + (state.charts.zoomed ? " · zoom" : " · \(state.charts.cursor + 1)/\(definitions(for: runs, filter: state.charts.filter).count)")
        let shownRuns = runs.count > rect.height ? rect.height - 1 : runs.count
        var firstLineEnd = rect.x
        for (index, run) in runs.prefix(shownRuns).enumerated() {
            let y = rect.y + index
            let limit = Rect(x: rect.x, y: y, width: rect.width, height: 1)
            var x = canvas.text(" " + glyphs.selected + " ", x: rect.x, y: y, style: Style(Theme.series(index), .bold), clip: limit)
            x = canvas.text(run.name + "  ", x: x, y: y, style: .bold, clip: limit)
            x = canvas.text(run.stateLabel + "  ", x: x, y: y, style: Theme.state(run.stateLabel), clip: limit)
            var facts: [String] = []
            if let status = run.status { facts.append("\(status.stage) \(RunsView.stepText(run))") }
            if let eta = run.eta(now: state.now) { facts.append("ETA \(RunsView.clock(eta))") }
            if let loss = run.metrics.last("loss") { facts.append("loss " + LineChart.number(loss)) }
            if let accuracy = run.metrics.last("rewards/accuracies") { facts.append(String(format: "acc %.2f", accuracy)) }
            facts.append(run.legendLabel)
            let end = canvas.text(facts.joined(separator: "  "), x: x, y: y, clip: limit)
            if index == 0 { firstLineEnd = end }
        }
        if runs.count > shownRuns {
            canvas.text("+\(runs.count - shownRuns) more runs selected", x: rect.x + 3, y: rect.maxY - 1, style: .dim, clip: rect)
        }
        let settingsX = rect.maxX - settings.count - 1
        if settingsX > firstLineEnd + 2 { canvas.text(settings, x: settingsX, y: rect.y, style: .dim, clip: rect) }
    }
}
