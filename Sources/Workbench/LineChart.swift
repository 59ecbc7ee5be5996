import Foundation

/// One line of a chart: (x, y) points in x order, a colour and a legend label.
public struct ChartSeries: Sendable, Equatable {
    public var label: String
    public var x: [Double]
    public var y: [Double]
    public var color: Color

    public init(label: String, x: [Double], y: [Double], color: Color) {
        self.label = label
        self.x = x
        self.y = y
        self.color = color
    }
}

/// How the x axis is labelled: step numbers, or wall time since the first point.
public enum XAxis: String, Sendable, CaseIterable {
    case step, time
}

/// A line chart drawn in dots (braille 2×4 per cell, or blocks, or ASCII): y labels on the left, x labels below,
/// a legend at the top right when it fits, each series smoothed with its raw line dimmed beneath.
public struct LineChart: Sendable {
    public var series: [ChartSeries]
    public var xAxis: XAxis = .step
    /// Exponential smoothing weight (0 = off).
    public var smoothing = 0.6
    public var showRaw = true
    public var showLegend = true
    /// The step under the inspection cursor: a dim vertical line there and, at the top left, each series' logged
    /// value nearest to it (step axis only).
    public var inspect: Double?

    public init(series: [ChartSeries], xAxis: XAxis = .step, smoothing: Double = 0.6) {
        self.series = series
        self.xAxis = xAxis
        self.smoothing = smoothing
    }

    /// Width of the y labels for a chart of `rows` rows.
    static let labelWidth = 7

    /// The x axis's ends for these x values: a single step still spans one.
    private func xRange(_ xs: [Double]) -> (low: Double, high: Double) {
        let low = xs.min()!
        return (low, max(xs.max()!, low + (xAxis == .step ? 1 : 1e-9)))
    }

    /// The x value of column `column` of a `width`-cell chart (the plot's x scale inverted at cell resolution: the
    /// first column is the first x, the last the last), or nil outside the plot or with no point: where a click
    /// puts the inspection cursor.
    public func xValue(atColumn column: Int, width: Int) -> Double? {
        let xs = series.flatMap { line in zip(line.x, line.y).filter { $0.0.isFinite && $0.1.isFinite }.map(\.0) }
        let plotX = Self.labelWidth + 1, plotWidth = width - Self.labelWidth - 1
        guard !xs.isEmpty, plotWidth > 0, column >= plotX, column < plotX + plotWidth else { return nil }
        let (low, high) = xRange(xs)
        return low + Double(column - plotX) / Double(max(1, plotWidth - 1)) * (high - low)
    }

    /// The chart in a `size`-cell canvas. With no finite point it says so; below 12×3 cells it draws nothing.
    public func render(_ size: Size, glyphs: Glyphs) -> Canvas {
        var canvas = Canvas(size)
        guard size.width >= 12, size.height >= 3 else { return canvas }
        let points = series.map { line in zip(line.x, line.y).filter { $0.0.isFinite && $0.1.isFinite } }
        guard points.contains(where: { !$0.isEmpty }) else {
            let message = "no data yet"
            canvas.text(message, x: max(0, (size.width - message.count) / 2), y: size.height / 2, style: .dim)
            return canvas
        }
        let smoothedSeries = series.map { line in smoothing > 0 ? smoothed(line.y, weight: smoothing) : line.y }
        // Ranges: x over every point; y over raw and smoothed values, so neither leaves the plot.
        let xs = points.flatMap { $0.map(\.0) }
        var ys = points.flatMap { $0.map(\.1) }
        if smoothing > 0 { ys += smoothedSeries.flatMap { $0.filter(\.isFinite) } }
        let (xLow, xHigh) = xRange(xs)

        let labelWidth = Self.labelWidth
        let plot = Rect(x: labelWidth + 1, y: 0, width: size.width - labelWidth - 1, height: size.height - 1)
        let dots = glyphs.charset.dotsPerCell
        let dotWidth = plot.width * dots.x, dotHeight = plot.height * dots.y
        let (yLow, yHigh) = Self.anchored(Self.yRange(ys), data: ys,
                                          edge: Double(dots.y - 1) / 2 / Double(max(1, dotHeight - 1)))
        func dotX(_ x: Double) -> Int { Int(((x - xLow) / (xHigh - xLow) * Double(dotWidth - 1)).rounded()) }
        func dotY(_ y: Double) -> Int { Int(((yHigh - y) / (yHigh - yLow) * Double(dotHeight - 1)).rounded()) }

        // Layers, bottom first: each raw line (dim), then each smoothed line.
        var layers: [(bits: [UInt8], style: Style)] = []
        for (index, line) in series.enumerated() {
            let raw = zip(line.x, line.y).map { ($0, $1) }
            if smoothing > 0, showRaw {
                layers.append((Self.rasterize(raw, plot: plot, dots: dots, dotX: dotX, dotY: dotY), Style(line.color, .dim)))
            }
            let main = zip(line.x, smoothedSeries[index]).map { ($0, $1) }
            layers.append((Self.rasterize(main, plot: plot, dots: dots, dotX: dotX, dotY: dotY), Style(line.color)))
        }
        for row in 0..<plot.height {
            for column in 0..<plot.width {
                let cell = row * plot.width + column
                var bits: UInt8 = 0
                var style = Style.plain
                for layer in layers where layer.bits[cell] != 0 {
                    bits |= layer.bits[cell]
                    style = layer.style
                }
                if bits != 0 { canvas[plot.x + column, plot.y + row] = Cell(glyphs.dots(bits), style) }
            }
        }

        if let inspect, xAxis == .step, inspect >= xLow, inspect <= xHigh {
            drawInspection(at: inspect, points: points, plot: plot, column: plot.x + dotX(inspect) / dots.x, &canvas, glyphs)
        }

        // Axes: labels at the top, middle and bottom rows (more when tall), each naming its row's centre value.
        let labelRows = Self.labelRows(plot.height)
        for row in 0..<plot.height {
            canvas.text(labelRows.contains(row) ? glyphs.axisVertical : glyphs.vertical, x: labelWidth, y: row, style: .dim)
        }
        for row in labelRows {
            let fraction = (Double(row * dots.y) + Double(dots.y - 1) / 2) / Double(dotHeight - 1)
            // A centre at zero up to rounding (`anchored` puts one there) reads 0, not −2e-15.
            let centre = yHigh - fraction * (yHigh - yLow)
            let value = abs(centre) < 1e-9 * (yHigh - yLow) ? 0 : centre
            canvas.text(TextWidth.pad(Self.number(value, width: labelWidth), to: labelWidth, right: true), x: 0, y: row, style: .dim)
        }
        let axisRow = size.height - 1
        canvas.text(glyphs.axisCorner, x: labelWidth, y: axisRow, style: .dim)
        let left = xAxis == .step ? Self.number(xLow, width: 8) : Self.duration(0)
        let right = xAxis == .step ? Self.number(xHigh, width: 8) : Self.duration(xHigh - xLow)
        let middleValue = xAxis == .step ? ((xLow + xHigh) / 2).rounded() : (xLow + xHigh) / 2
        let middle = xAxis == .step ? Self.number(middleValue, width: 8) : Self.duration(middleValue - xLow)
        canvas.text(left, x: plot.x, y: axisRow, style: .dim)
        if xs.max()! > xLow {
            canvas.text(right, x: plot.maxX - right.count, y: axisRow, style: .dim)
            let middleX = plot.x + plot.width / 2 - middle.count / 2
            if middleX > plot.x + left.count + 1, middleX + middle.count < plot.maxX - right.count - 1 {
                canvas.text(middle, x: middleX, y: axisRow, style: .dim)
            }
        }

        // Legend, top right, only when it leaves most of the plot visible.
        if showLegend, !series.isEmpty {
            let entries = series.map { "\(glyphs.legendLine) \($0.label)" }
            let legendWidth = min(entries.map { TextWidth.of($0) }.max()!, plot.width - 2)
            if legendWidth >= 6, plot.width >= legendWidth + 14, plot.height >= entries.count + 3 {
                let x = plot.maxX - legendWidth - 1
                for (row, (entry, line)) in zip(entries, series).enumerated() {
                    canvas.fill(Rect(x: x - 1, y: row, width: legendWidth + 2, height: 1))
                    canvas.text(glyphs.legendLine, x: x, y: row, style: Style(line.color, .bold))
                    canvas.text(TextWidth.truncate(String(entry.dropFirst(glyphs.legendLine.count + 1)), to: legendWidth - 2),
                                x: x + 2, y: row, style: Style(line.color))
                }
            }
        }
        return canvas
    }

    /// The cursor's column (over blank cells only, so the lines stay readable) and its readout: `@120 0.412 0.381`,
    /// each value the series' logged point nearest to the step, in the series' colour.
    private func drawInspection(at step: Double, points: [[(Double, Double)]], plot: Rect, column: Int, _ canvas: inout Canvas, _ glyphs: Glyphs) {
        for row in plot.y..<plot.maxY where canvas[column, row] == .blank { canvas[column, row] = Cell(glyphs.vertical, Style(Theme.accent, .dim)) }
        let limit = Rect(x: plot.x, y: plot.y, width: plot.width, height: 1)
        var x = canvas.text("@" + Self.number(step, width: 8), x: plot.x, y: plot.y, style: Style(Theme.accent, .bold), clip: limit)
        for (line, linePoints) in zip(series, points) {
            guard let nearest = linePoints.min(by: { abs($0.0 - step) < abs($1.0 - step) }) else { continue }
            x = canvas.text(" " + Self.number(nearest.1, width: 8), x: x, y: plot.y, style: Style(line.color, .bold), clip: limit)
        }
    }

    /// Dots of a polyline: consecutive finite points joined by straight lines (Bresenham); a lone point is one
    /// dot. Returns one bit mask per plot cell.
    static func rasterize(
        _ points: [(Double, Double)], plot: Rect, dots: (x: Int, y: Int), dotX: (Double) -> Int, dotY: (Double) -> Int
    ) -> [UInt8] {
        var bits = [UInt8](repeating: 0, count: plot.width * plot.height)
        func set(_ x: Int, _ y: Int) {
            guard x >= 0, y >= 0, x < plot.width * dots.x, y < plot.height * dots.y else { return }
            let cell = (y / dots.y) * plot.width + x / dots.x
            bits[cell] |= UInt8(1 << ((x % dots.x) * dots.y + y % dots.y))
        }
        var previous: (Int, Int)?
        for (x, y) in points {
            guard x.isFinite, y.isFinite else {
                previous = nil
                continue
            }
            let point = (dotX(x), dotY(y))
            if let (x0, y0) = previous {
                line(from: (x0, y0), to: point, set)
            } else {
                set(point.0, point.1)
            }
            previous = point
        }
        return bits
    }

    static func line(from a: (Int, Int), to b: (Int, Int), _ set: (Int, Int) -> Void) {
        var (x, y) = a
        let dx = abs(b.0 - x), dy = -abs(b.1 - y)
        let sx = x < b.0 ? 1 : -1, sy = y < b.1 ? 1 : -1
        var error = dx + dy
        while true {
            set(x, y)
            if x == b.0 && y == b.1 { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    /// The y range: the data's, padded by 5% each side; a flat series gets ±5% of its value (±0.5 at zero).
    static func yRange(_ values: [Double]) -> (Double, Double) {
        let low = values.min() ?? 0, high = values.max() ?? 1
        if high - low < 1e-12 * max(1, abs(high)) {
            let pad = low == 0 ? 0.5 : abs(low) * 0.05
            return (low - pad, high + pad)
        }
        let pad = (high - low) * 0.05
        return (low - pad, high + pad)
    }

    /// `range` with its bottom moved so that the bottom row's label reads 0 when the padding would label it below zero
    /// for data that never is (a learning rate, an accuracy: "−1.4e-6" under a rate that only decays), and likewise
    /// its top for data never above zero; and with its top moved so that the top row reads 1, not 1.008, for a share
    /// (data within [0, 1] that reaches 1: an accuracy). `edge` is the share of the range between an edge and the
    /// centre of the row beside it, which the label names. A flat series keeps its symmetric range.
    static func anchored(_ range: (Double, Double), data: [Double], edge: Double) -> (Double, Double) {
        let (low, high) = range
        guard let smallest = data.min(), let largest = data.max(), largest > smallest, edge < 0.5 else { return range }
        let bottomLabel = low + edge * (high - low), topLabel = high - edge * (high - low)
        var bottom = bottomLabel, top = topLabel
        if smallest >= 0, bottomLabel < 0 { bottom = 0 }
        if largest <= 0, topLabel > 0 { top = 0 }
        if smallest >= 0, largest == 1, topLabel > 1 { top = 1 }
        guard bottom != bottomLabel || top != topLabel else { return range }
        // The range whose edge rows are centred on `bottom` and `top`.
        let span = (top - bottom) / (1 - 2 * edge)
        return (bottom - edge * span, top + edge * span)
    }

    /// Rows that get a y label: top, bottom and evenly between, at least 3 rows apart.
    static func labelRows(_ rows: Int) -> [Int] {
        guard rows > 1 else { return [0] }
        let gaps = max(1, min((rows - 1) / 3, 6))
        return (0...gaps).map { Int((Double($0) * Double(rows - 1) / Double(gaps)).rounded()) }
    }

    /// A number in at most `width` columns: up to 4 significant digits, trailing zeros dropped, scientific
    /// notation when plain would not fit (`0.693`, `12.5`, `1500`, `-2.4e-5`).
    public static func number(_ value: Double, width: Int = 7) -> String {
        if !value.isFinite { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e-3, magnitude < 1e7 {
            let decimals = magnitude >= 1
                ? max(0, 4 - (Int(log10(magnitude).rounded(.down)) + 1))
                : min(6, Int((-log10(magnitude)).rounded(.down)) + 4)
            var text = String(format: "%.\(decimals)f", value)
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            if text == "-0" { text = "0" }
            if text.count <= width { return text }
        }
        for digits in [2, 1, 0] {
            var text = String(format: "%.\(digits)e", value)
            text = text.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e")
                .replacingOccurrences(of: "e+", with: "e")
            if let e = text.firstIndex(of: "e"), text[..<e].contains(".") {
                var mantissa = String(text[..<e])
                while mantissa.hasSuffix("0") { mantissa.removeLast() }
                if mantissa.hasSuffix(".") { mantissa.removeLast() }
                text = mantissa + text[e...]
            }
            if text.count <= width || digits == 0 { return text }
        }
        return ""
    }

    /// A wall-time offset as `45s`, `2m10`, `1h05`.
    public static func duration(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02d", total / 60, total % 60) }
        return String(format: "%dh%02d", total / 3600, (total % 3600) / 60)
    }
}
