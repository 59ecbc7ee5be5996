import Foundation
import Training

/// The reward-vs-KL frontier as a standalone SVG for a paper: the text chart's content (`FrontierChart`) with a
/// marker shape and colour per method, each run's points joined in step order, β beside each run's last point,
/// the reference model's star at KL 0, round ticks with light grid lines, axis titles and a legend on the right.
///
/// Every run's point is an element of class `marker` and the reference one of class `reference`, each with a
/// `<title>` naming run, step, KL and reward, which viewers show on hover.
public enum FrontierSVG {
    /// Okabe–Ito's colours, told apart with the common colour-vision deficiencies and in greyscale print.
    static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    static let gridColor = "#e5e5e5"
    static let shapes: [MarkerShape] = [.circle, .square, .triangle, .diamond, .triangleDown, .cross]

    enum MarkerShape { case circle, square, triangle, diamond, triangleDown, cross, star }

    public static func document(_ frontier: Frontier, width: Int = 640, height: Int = 400) -> String {
        let methods = FrontierChart(frontier).methods
        let left = 64.0, right = 150.0, top = 20.0, bottom = 52.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let reference = frontier.referenceReward.map { FrontierPoint(step: 0, kl: 0, reward: $0) }
        let all = frontier.runs.flatMap(\.points) + (reference.map { [$0] } ?? [])
        let (xLow, xHigh) = LineChart.yRange(all.map(\.kl) + [0])
        let (yLow, yHigh) = all.isEmpty ? (0, 1) : LineChart.yRange(all.map(\.reward))
        func px(_ x: Double) -> Double { left + (x - xLow) / (xHigh - xLow) * plotWidth }
        func py(_ y: Double) -> Double { top + (yHigh - y) / (yHigh - yLow) * plotHeight }

        var body: [String] = [
            #"<rect x="0" y="0" width="\#(width)" height="\#(height)" fill="white"/>"#,
        ]
        for value in AxisTicks.nice(xLow, xHigh, intervals: 6) {
            let x = format(px(value))
            body.append(#"<line x1="\#(x)" y1="\#(format(top))" x2="\#(x)" y2="\#(format(top + plotHeight + 4))" stroke="\#(gridColor)"/>"#)
            body.append(#"<text x="\#(x)" y="\#(format(top + plotHeight + 18))" text-anchor="middle">\#(LineChart.number(value))</text>"#)
        }
        for value in AxisTicks.nice(yLow, yHigh, intervals: 5) {
            let y = format(py(value))
            body.append(#"<line x1="\#(format(left - 4))" y1="\#(y)" x2="\#(format(left + plotWidth))" y2="\#(y)" stroke="\#(gridColor)"/>"#)
            body.append(#"<text x="\#(format(left - 8))" y="\#(y)" text-anchor="end" dominant-baseline="middle">\#(LineChart.number(value))</text>"#)
        }
        body.append(#"<rect x="\#(format(left))" y="\#(format(top))" width="\#(format(plotWidth))" height="\#(format(plotHeight))" fill="none" stroke="black"/>"#)
        body.append(#"<text x="\#(format(left + plotWidth / 2))" y="\#(height - 12)" text-anchor="middle">KL(π ‖ π_ref), nats per sample</text>"#)
        body.append(#"<text transform="translate(16 \#(format(top + plotHeight / 2))) rotate(-90)" text-anchor="middle">reward</text>"#)

        for run in FrontierChart.drawingOrder(frontier.runs) {
            let index = methods.firstIndex(of: run.method) ?? 0
            let color = colors[index % colors.count], shape = shapes[index % shapes.count]
            if run.points.count > 1 {
                let path = run.points.map { "\(format(px($0.kl))),\(format(py($0.reward)))" }.joined(separator: " ")
                body.append(#"<polyline points="\#(path)" fill="none" stroke="\#(color)" stroke-opacity="0.45"/>"#)
            }
            for point in run.points {
                let title = "\(run.run): step \(point.step), KL \(LineChart.number(point.kl)), reward \(LineChart.number(point.reward))"
                body.append(marker(shape, x: px(point.kl), y: py(point.reward), color: color, className: "marker", title: title))
            }
            if let beta = run.beta, let last = run.points.last {
                body.append(#"<text x="\#(format(px(last.kl) + 7))" y="\#(format(py(last.reward) - 6))" fill="\#(color)">β=\#(LineChart.number(beta))</text>"#)
            }
        }
        if let reference {
            let title = "reference: KL 0, reward \(LineChart.number(reference.reward))"
            body.append(marker(.star, x: px(0), y: py(reference.reward), color: "#000000", className: "reference", title: title))
        }

        var entries = methods.enumerated().map { index, method in
            (shape: shapes[index % shapes.count], color: colors[index % colors.count], label: method)
        }
        if frontier.referenceReward != nil { entries.append((.star, "#000000", "reference (SFT)")) }
        for (row, entry) in entries.enumerated() {
            let x = left + plotWidth + 18, y = top + 10 + Double(row) * 20
            body.append(marker(entry.shape, x: x, y: y, color: entry.color, className: "legend", title: nil))
            body.append(#"<text x="\#(format(x + 12))" y="\#(format(y))" dominant-baseline="middle">\#(escape(entry.label))</text>"#)
        }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="Helvetica, Arial, sans-serif" font-size="12">
            \(body.map { "  " + $0 }.joined(separator: "\n"))
            </svg>

            """
    }

    /// One marker shape, about 9 px across, centred on (x, y).
    static func marker(_ shape: MarkerShape, x: Double, y: Double, color: String, className: String, title: String?) -> String {
        let r = 4.5
        let points: [(Double, Double)]
        switch shape {
        case .circle:
            return element(#"<circle cx="\#(format(x))" cy="\#(format(y))" r="\#(r)""#, color: color, className: className, title: title)
        case .square: points = [(-r, -r), (r, -r), (r, r), (-r, r)]
        case .triangle: points = [(0, -r * 1.2), (r * 1.1, r * 0.8), (-r * 1.1, r * 0.8)]
        case .triangleDown: points = [(0, r * 1.2), (r * 1.1, -r * 0.8), (-r * 1.1, -r * 0.8)]
        case .diamond: points = [(0, -r * 1.3), (r * 1.3, 0), (0, r * 1.3), (-r * 1.3, 0)]
        case .cross:
            let a = r * 0.4
            points = [(-a, -r), (a, -r), (a, -a), (r, -a), (r, a), (a, a), (a, r), (-a, r), (-a, a), (-r, a), (-r, -a), (-a, -a)]
        case .star:  // five points, outer radius 1.6r, inner 0.65r
            points = (0..<10).map { k in
                let radius = k % 2 == 0 ? r * 1.6 : r * 0.65, angle = Double.pi / 5 * Double(k) - Double.pi / 2
                return (radius * cos(angle), radius * sin(angle))
            }
        }
        let list = points.map { "\(format(x + $0.0)),\(format(y + $0.1))" }.joined(separator: " ")
        return element(#"<polygon points="\#(list)""#, color: color, className: className, title: title)
    }

    private static func element(_ opening: String, color: String, className: String, title: String?) -> String {
        let attributes = #"\#(opening) fill="\#(color)" class="\#(className)""#
        guard let title else { return attributes + "/>" }
        let tag = opening.dropFirst().prefix { $0 != " " }
        return attributes + "><title>\(escape(title))</title></\(tag)>"
    }

    static func format(_ value: Double) -> String {
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
