import Foundation
import Training

/// The DPO paper's reward-vs-KL frontier (Fig. 2, left) as text: each run's evaluations as its method's marker,
/// joined in step order by a dim dotted line, β beside each run's last point, the reference model's point at KL 0,
/// round-valued ticks on both axes and a legend on the top row.
///
/// Layout of a W×H chart: row 0 the y title and the legend; rows 1…H−4 the plot, with y labels in the first 7
/// columns; row H−3 the x axis, H−2 its tick labels, H−1 its title.
public struct FrontierChart: Sendable {
    public var frontier: Frontier

    public init(_ frontier: Frontier) {
        self.frontier = frontier
    }

    /// Smaller than this, the chart says what it needs instead.
    public static let minimum = Size(width: 30, height: 10)
    static let labelWidth = 7
    static let xTitle = "KL(π‖π_ref), nats per sample"

    /// The methods in legend order, each run's marker being its method's index in it.
    public var methods: [String] {
        frontier.runs.map(\.method).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The runs in the order their markers are drawn: β-tuned runs first and the baselines (no β) last, so that
    /// where Preferred-FT's points share a cell with DPO's, as they do at low KL, the baseline stays in sight.
    static func drawingOrder(_ runs: [FrontierRun]) -> [FrontierRun] {
        runs.filter { $0.beta != nil } + runs.filter { $0.beta == nil }
    }

    /// The chart as plain text lines (what `dpo frontier` prints).
    public static func lines(_ frontier: Frontier, width: Int, height: Int, charset: Charset = .braille) -> [String] {
        FrontierChart(frontier).render(Size(width: width, height: height), glyphs: Glyphs(charset)).lines
    }

    public func render(_ size: Size, glyphs: Glyphs) -> Canvas {
        var canvas = Canvas(size)
        guard size.width >= Self.minimum.width, size.height >= Self.minimum.height else {
            canvas.text("needs \(Self.minimum.width)×\(Self.minimum.height)", x: 0, y: 0, style: .dim)
            return canvas
        }
        let points = frontier.runs.flatMap(\.points)
        guard !points.isEmpty || frontier.referenceReward != nil else {
            let message = "no run logged samples/kl and samples/reward"
            canvas.text(message, x: max(0, (size.width - message.count) / 2), y: size.height / 2, style: .dim)
            return canvas
        }
        let reference = frontier.referenceReward.map { FrontierPoint(step: 0, kl: 0, reward: $0) }
        let all = points + (reference.map { [$0] } ?? [])
        let (xLow, xHigh) = LineChart.yRange(all.map(\.kl) + [0])
        let (yLow, yHigh) = LineChart.yRange(all.map(\.reward))

        let plot = Rect(x: Self.labelWidth + 1, y: 1, width: size.width - Self.labelWidth - 3, height: size.height - 4)
        let dots = glyphs.charset.dotsPerCell
        let dotWidth = plot.width * dots.x, dotHeight = plot.height * dots.y
        func dotX(_ x: Double) -> Int { Int(((x - xLow) / (xHigh - xLow) * Double(dotWidth - 1)).rounded()) }
        func dotY(_ y: Double) -> Int { Int(((yHigh - y) / (yHigh - yLow) * Double(dotHeight - 1)).rounded()) }
        func cell(_ point: FrontierPoint) -> (x: Int, y: Int) {
            (plot.x + dotX(point.kl) / dots.x, plot.y + dotY(point.reward) / dots.y)
        }

        drawAxes(&canvas, plot: plot, glyphs: glyphs, x: (xLow, xHigh), y: (yLow, yHigh),
                 column: { plot.x + dotX($0) / dots.x }, row: { plot.y + dotY($0) / dots.y })

        let methods = self.methods
        func color(_ run: FrontierRun) -> Color { Theme.series(methods.firstIndex(of: run.method) ?? 0) }
        for run in frontier.runs {
            let bits = LineChart.rasterize(run.points.map { ($0.kl, $0.reward) }, plot: plot, dots: dots, dotX: dotX, dotY: dotY)
            for (index, cellBits) in bits.enumerated() where cellBits != 0 {
                canvas[plot.x + index % plot.width, plot.y + index / plot.width] = Cell(glyphs.dots(cellBits), Style(color(run), .dim))
            }
        }
        var occupied = Set<Int>()
        for run in Self.drawingOrder(frontier.runs) {
            let marker = glyphs.markers[(methods.firstIndex(of: run.method) ?? 0) % glyphs.markers.count]
            for point in run.points {
                let (x, y) = cell(point)
                canvas[x, y] = Cell(marker, Style(color(run), .bold))
                occupied.insert(y * size.width + x)
            }
        }
        if let reference {
            let (x, y) = cell(reference)
            canvas[x, y] = Cell(glyphs.referenceMarker, .bold)
            occupied.insert(y * size.width + x)
        }
        for run in frontier.runs {
            guard let beta = run.beta, let last = run.points.last else { continue }
            let label = (glyphs.charset.isUnicode ? "β=" : "b=") + LineChart.number(beta)
            placeLabel(label, near: cell(last), in: plot, canvas: &canvas, occupied: &occupied, style: Style(color(run)))
        }
        drawLegend(&canvas, glyphs: glyphs, methods: methods)
        return canvas
    }

    /// Y labels and ticks on the left, the x axis with its ticks, labels and title below, the y title above.
    private func drawAxes(_ canvas: inout Canvas, plot: Rect, glyphs: Glyphs, x: (Double, Double), y: (Double, Double),
                          column: (Double) -> Int, row: (Double) -> Int) {
        let yTicks = AxisTicks.nice(y.0, y.1, intervals: max(1, plot.height / 3))
        let tickRows = Set(yTicks.map(row))
        for line in plot.y..<plot.maxY {
            canvas.text(tickRows.contains(line) ? glyphs.axisVertical : glyphs.vertical, x: Self.labelWidth, y: line, style: .dim)
        }
        for value in yTicks {
            let text = LineChart.number(value, width: Self.labelWidth)
            canvas.text(TextWidth.pad(text, to: Self.labelWidth, right: true), x: 0, y: row(value), style: .dim)
        }
        canvas.text("reward", x: 0, y: 0, style: .dim)

        let axisRow = plot.maxY
        canvas.text(glyphs.axisCorner, x: Self.labelWidth, y: axisRow, style: .dim)
        canvas.text(String(repeating: glyphs.horizontal, count: plot.width), x: plot.x, y: axisRow, style: .dim)
        var labelEnd = 0
        for value in AxisTicks.nice(x.0, x.1, intervals: max(1, plot.width / 10)) {
            let tick = column(value)
            canvas.text(glyphs.axisTick, x: tick, y: axisRow, style: .dim)
            let text = LineChart.number(value, width: 8)
            let start = max(0, tick - (text.count - 1) / 2)
            guard start > labelEnd || labelEnd == 0, start + text.count <= canvas.width else { continue }
            canvas.text(text, x: start, y: axisRow + 1, style: .dim)
            labelEnd = start + text.count
        }
        let title = Self.xTitle
        canvas.text(title, x: max(plot.x, plot.x + (plot.width - TextWidth.of(title)) / 2), y: axisRow + 2, style: .dim)
    }

    /// `label` right of `anchor` when those cells hold no marker or label, else left of it, else on the row above
    /// or below; nowhere when all four are taken.
    private func placeLabel(_ label: String, near anchor: (x: Int, y: Int), in plot: Rect, canvas: inout Canvas,
                            occupied: inout Set<Int>, style: Style) {
        let width = TextWidth.of(label)
        let candidates = [(anchor.x + 1, anchor.y), (anchor.x - width, anchor.y),
                          (anchor.x - width / 2, anchor.y - 1), (anchor.x - width / 2, anchor.y + 1)]
        for (x, y) in candidates {
            let cells = (x..<(x + width)).map { y * canvas.width + $0 }
            guard x >= plot.x, x + width <= plot.maxX, y >= plot.y, y < plot.maxY, occupied.isDisjoint(with: cells) else { continue }
            canvas.text(label, x: x, y: y, style: style)
            occupied.formUnion(cells)
            return
        }
    }

    /// One entry per method and the reference, right-aligned on the top row, as many as fit beside the y title.
    private func drawLegend(_ canvas: inout Canvas, glyphs: Glyphs, methods: [String]) {
        var entries = methods.enumerated().map { index, method in
            (marker: glyphs.markers[index % glyphs.markers.count], name: method, style: Style(Theme.series(index), .bold))
        }
        if frontier.referenceReward != nil { entries.append((glyphs.referenceMarker, "reference", .bold)) }
        func width(_ shown: [(marker: String, name: String, style: Style)]) -> Int {
            shown.map { TextWidth.of($0.marker) + 1 + TextWidth.of($0.name) }.reduce(0, +) + 2 * max(0, shown.count - 1)
        }
        while !entries.isEmpty, width(entries) > canvas.width - Self.labelWidth - 1 { entries.removeLast() }
        var x = canvas.width - width(entries)
        for entry in entries {
            x = canvas.text(entry.marker, x: x, y: 0, style: entry.style)
            x = canvas.text(" " + entry.name, x: x, y: 0) + 2
        }
    }
}
