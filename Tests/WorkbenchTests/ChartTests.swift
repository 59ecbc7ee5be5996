import Foundation
import XCTest
@testable import Workbench

final class ChartTests: XCTestCase {
    /// A rising diagonal over 2×1 braille cells (4×4 dots): dots (0,3) (1,2) in the first cell, (2,1) (3,0) in the second.
    func testDiagonalGivesKnownBrailleCells() {
        let plot = Rect(x: 0, y: 0, width: 2, height: 1)
        let bits = LineChart.rasterize([(0, 0), (3, 3)], plot: plot, dots: (2, 4), dotX: { Int($0) }, dotY: { 3 - Int($0) })
        let glyphs = Glyphs(.braille)
        XCTAssertEqual(bits.map { glyphs.dots($0) }.joined(), "⡠⠊")
        // Falling, and a horizontal line through the second dot row.
        let falling = LineChart.rasterize([(0, 3), (3, 0)], plot: plot, dots: (2, 4), dotX: { Int($0) }, dotY: { 3 - Int($0) })
        XCTAssertEqual(falling.map { glyphs.dots($0) }.joined(), "⠑⢄")
        let flat = LineChart.rasterize([(0, 2), (3, 2)], plot: plot, dots: (2, 4), dotX: { Int($0) }, dotY: { 3 - Int($0) })
        XCTAssertEqual(flat.map { glyphs.dots($0) }.joined(), "⠒⠒")
    }

    func testDotGlyphsOfEachCharset() {
        XCTAssertEqual(Glyphs(.braille).dots(0xFF), "⣿")
        XCTAssertEqual(Glyphs(.braille).dots(0b0000_0001), "⠁")
        XCTAssertEqual(Glyphs(.braille).dots(0b1000_0000), "⢀")
        XCTAssertEqual(Glyphs(.braille).dots(0), " ")
        XCTAssertEqual([1, 2, 3].map { Glyphs(.blocks).dots($0) }, ["▀", "▄", "█"])
        XCTAssertEqual([1, 2, 4, 5, 7].map { Glyphs(.ascii).dots($0) }, ["'", "-", ".", ":", "|"])
    }

    /// A whole chart, small enough to check by hand: 20×4 cells, plot 12×3 cells (24×12 dots), no smoothing.
    /// y ∈ [−0.05, 1.05] (5% padding): y = 1 is dot row round(0.05/1.1·11) = 1, y = 0 is dot row 11; x = 1…4 are dot
    /// columns 0, 8, 15, 23. Row labels name each labelled row's centre: 1.05 − (1.5/11)·1.1 = 0.9 and
    /// 1.05 − (9.5/11)·1.1 = 0.1; the x axis names the first, middle (rounded) and last step.
    func testKnownSeriesGivesKnownChart() {
        var chart = LineChart(series: [ChartSeries(label: "loss", x: [1, 2, 3, 4], y: [1, 1, 0, 0], color: .cyan)], smoothing: 0)
        chart.showLegend = false
        let canvas = chart.render(Size(width: 20, height: 4), glyphs: Glyphs(.braille))
        XCTAssertEqual(canvas.lines, [
            "    0.9┤⠒⠒⠒⠒⢢       ",
            "       │     ⠑⡄     ",
            "    0.1┤      ⠈⢆⣀⣀⣀⣀",
            "       └1     3    4",
        ])
    }

    func testSmoothingMatchesTheDebiasedEMAFormula() {
        let values = [1.0, 0, 0, 2, .nan, 3]
        let weight = 0.6
        var last = 0.0, count = 0.0
        var expected: [Double] = []
        for value in values {
            guard value.isFinite else { expected.append(value); continue }
            last = weight * last + (1 - weight) * value
            count += 1
            expected.append(last / (1 - pow(weight, count)))
        }
        let result = smoothed(values, weight: weight)
        XCTAssertEqual(result.count, values.count)
        for (a, b) in zip(result, expected) where b.isFinite { XCTAssertEqual(a, b, accuracy: 1e-12) }
        XCTAssertTrue(result[4].isNaN)
        // First value is unbiased, second is (0.6·0.4·1 + 0.4·0) / (1 − 0.36) = 0.375.
        XCTAssertEqual(result[0], 1, accuracy: 1e-12)
        XCTAssertEqual(result[1], 0.375, accuracy: 1e-12)
        XCTAssertEqual(smoothed(values.filter(\.isFinite), weight: 0), values.filter(\.isFinite))
    }

    func testRawLineIsDimmedBeneathTheSmoothedOne() {
        var y: [Double] = []
        for index in 0..<40 {
            let sign: Double = index % 2 == 0 ? 0.3 : -0.3
            y.append(1 + sign * Double(index) / 40)
        }
        let x: [Double] = (0..<40).map { Double($0) }
        let chart = LineChart(series: [ChartSeries(label: "x", x: x, y: y, color: .magenta)], smoothing: 0.9)
        let canvas = chart.render(Size(width: 40, height: 10), glyphs: Glyphs(.braille))
        func isBraille(_ cell: Cell) -> Bool {
            guard let scalar = cell.text.unicodeScalars.first else { return false }
            return scalar.value >= 0x2801 && scalar.value <= 0x28FF
        }
        let styles = Set(canvas.cells.filter(isBraille).map(\.style))
        XCTAssertEqual(styles, [Style(.magenta, .dim), Style(.magenta)])
    }

    func testLegendHidesWhenCramped() {
        let series = [ChartSeries(label: "β0.1 lr0.001 ε0", x: [1, 2, 3], y: [3, 2, 1], color: .cyan)]
        let wide = LineChart(series: series).render(Size(width: 60, height: 10), glyphs: Glyphs(.braille))
        XCTAssertTrue(wide.lines.joined().contains("β0.1 lr0.001 ε0"))
        let narrow = LineChart(series: series).render(Size(width: 30, height: 10), glyphs: Glyphs(.braille))
        XCTAssertFalse(narrow.lines.joined().contains("β0.1"))
    }

    /// Padding 5% below data that never goes below zero labelled the bottom row of a tall chart with a negative
    /// value (−1.4e-6 under a learning rate); the bottom then moves so that row's centre is 0. Worked numbers: data
    /// [0, 0.8] padded to [−0.04, 0.84], and a row centre 0.02 of the range from the edge: the top row's centre
    /// 0.84 − 0.02 · 0.88 = 0.8224 stays, and the range whose edge rows centre on 0 and 0.8224 spans
    /// 0.8224 / 0.96 = 0.856667, from −0.0171333 to 0.839533.
    func testAxisReadsZeroUnderNonNegativeDataAndOneAtopAShare() {
        let anchored = LineChart.anchored((-0.04, 0.84), data: [0, 0.8], edge: 0.02)
        XCTAssertEqual(anchored.0, -0.0171333, accuracy: 1e-6)
        XCTAssertEqual(anchored.1, 0.839533, accuracy: 1e-6)
        let mirrored = LineChart.anchored((-0.84, 0.04), data: [-0.8, 0], edge: 0.02)
        XCTAssertEqual(mirrored.0, -0.839533, accuracy: 1e-6)
        XCTAssertEqual(mirrored.1, 0.0171333, accuracy: 1e-6)
        // A share reaching 1 (an accuracy) reads 0 at the bottom and 1 at the top, not 1.008: the range spans
        // 1 / 0.96 = 1.041667, from −0.0208333 to 1.0208333.
        let share = LineChart.anchored((-0.05, 1.05), data: [0, 1], edge: 0.02)
        XCTAssertEqual(share.0, -0.0208333, accuracy: 1e-6)
        XCTAssertEqual(share.1, 1.0208333, accuracy: 1e-6)
        XCTAssertEqual(share.1 - 0.02 * (share.1 - share.0), 1, accuracy: 1e-12)
        let nearlyShare = LineChart.anchored((0.45, 1.05), data: [0.5, 1], edge: 0.02)
        XCTAssertEqual(nearlyShare.0 + 0.02 * (nearlyShare.1 - nearlyShare.0), 0.462, accuracy: 1e-12,
                       "a bottom row labelled above zero keeps its label")
        XCTAssertEqual(nearlyShare.1 - 0.02 * (nearlyShare.1 - nearlyShare.0), 1, accuracy: 1e-12)
        // Data on both sides of zero, a flat series, data past 1, or edge rows already labelled inside: unchanged.
        XCTAssertTrue(LineChart.anchored((-1.1, 1.1), data: [-1, 1], edge: 0.02) == (-1.1, 1.1))
        XCTAssertTrue(LineChart.anchored((-0.5, 0.5), data: [0, 0], edge: 0.02) == (-0.5, 0.5))
        XCTAssertTrue(LineChart.anchored((0.9, 2.1), data: [1, 2], edge: 0.02) == (0.9, 2.1))
        XCTAssertTrue(LineChart.anchored((-0.05, 1.05), data: [0, 1], edge: 0.25) == (-0.05, 1.05))

        // A learning rate warming up to 5e-4 and decaying to 0, on a chart 20 rows tall.
        let steps = (0..<250).map(Double.init)
        let rates = steps.map { $0 < 10 ? 5e-4 * $0 / 10 : 5e-4 * (1 + cos(.pi * ($0 - 10) / 240)) / 2 }
        let lines = LineChart(series: [ChartSeries(label: "lr", x: steps, y: rates, color: .cyan)], smoothing: 0)
            .render(Size(width: 60, height: 21), glyphs: Glyphs(.braille)).lines
        let labels = lines.dropLast().map { String($0.prefix(LineChart.labelWidth)).trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        XCTAssertEqual(labels.last, "0", "\(labels)")
        XCTAssertFalse(labels.contains { $0.hasPrefix("-") }, "\(labels)")
    }

    func testWallTimeAxisLabelsDurations() {
        let chart = LineChart(series: [ChartSeries(label: "a", x: [0, 65, 130], y: [1, 2, 3], color: .cyan)], xAxis: .time)
        let bottom = chart.render(Size(width: 40, height: 6), glyphs: Glyphs(.braille)).lines.last!
        XCTAssertTrue(bottom.contains("0s") && bottom.contains("2m10") && bottom.contains("1m05"), bottom)
    }

    func testNumbersFitTheirWidth() {
        XCTAssertEqual(LineChart.number(0.6931), "0.6931")
        XCTAssertEqual(LineChart.number(12.5), "12.5")
        XCTAssertEqual(LineChart.number(1500), "1500")
        XCTAssertEqual(LineChart.number(-0.00024), "-2.4e-4")
        XCTAssertEqual(LineChart.number(5e-6), "5e-6")
        XCTAssertEqual(LineChart.number(123_456_789), "1.23e8")
        for value in [0.123456, -98765.4, 1e-9, -3.3e-3, 7.77e12] {
            XCTAssertLessThanOrEqual(LineChart.number(value).count, 7, "\(value) → \(LineChart.number(value))")
        }
    }

    /// The inspection cursor reads each series' logged value nearest to its step and draws a column there.
    func testInspectionReadsTheNearestValueOfEverySeries() {
        var chart = LineChart(series: [
            ChartSeries(label: "a", x: [1, 2, 3, 4], y: [10, 20, 30, 40], color: .cyan),
            ChartSeries(label: "b", x: [1, 3], y: [-1, -3], color: .magenta),
        ], smoothing: 0)
        chart.showLegend = false
        chart.inspect = 2
        let lines = chart.render(Size(width: 40, height: 10), glyphs: Glyphs(.ascii)).lines
        XCTAssertTrue(lines[0].contains("@2 20 -1"), lines[0])
        let column = lines.dropFirst().dropLast().filter { $0.contains("|") }.count
        XCTAssertGreaterThan(column, 3, "a column of the cursor down the plot:\n\(lines.joined(separator: "\n"))")
        chart.inspect = 99
        XCTAssertFalse(chart.render(Size(width: 40, height: 10), glyphs: Glyphs(.ascii)).lines[0].contains("@"), "outside the data: no cursor")
    }

    /// A click's column maps back to x through the plot's scale: columns 8…39 of a 40-wide chart (after the y labels)
    /// cover x 1…4 end to end.
    func testColumnsMapBackToXForClicks() throws {
        let chart = LineChart(series: [ChartSeries(label: "a", x: [1, 2, 3, 4], y: [10, 20, 30, 40], color: .cyan)])
        XCTAssertEqual(try XCTUnwrap(chart.xValue(atColumn: 8, width: 40)), 1, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(chart.xValue(atColumn: 39, width: 40)), 4, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(chart.xValue(atColumn: 18, width: 40)), 1 + 10.0 / 31 * 3, accuracy: 1e-12)
        XCTAssertNil(chart.xValue(atColumn: 7, width: 40), "the y axis")
        XCTAssertNil(chart.xValue(atColumn: 40, width: 40))
        XCTAssertNil(LineChart(series: []).xValue(atColumn: 20, width: 40), "no data")
    }
}
