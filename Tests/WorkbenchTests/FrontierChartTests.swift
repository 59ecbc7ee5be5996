import Foundation
import TestSupport
import Training
import XCTest

@testable import Workbench

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The reward-vs-KL frontier as text (golden snapshots, and where markers land) and as SVG (parsed back).
final class FrontierChartTests: XCTestCase {
    /// A miniature of the paper's picture: DPO at four β, each evaluated three times, Online DPO, Preferred-FT
    /// (`sft`) and Unlikelihood, made up so that the shapes are easy to tell apart.
    static let frontier: Frontier = {
        func run(_ name: String, _ method: String, _ beta: Double?, _ points: [(Double, Double)]) -> FrontierRun {
            FrontierRun(run: name, method: method, beta: beta,
                        points: points.enumerated().map { FrontierPoint(step: 50 * ($0.offset + 1), kl: $0.element.0, reward: $0.element.1) })
        }
        return Frontier(runs: [
            run("online", "online-dpo", 0.1, [(0.8, 0.55), (1.9, 0.71), (3.1, 0.83)]),
            run("sft", "sft", nil, [(1.2, 0.46), (2.6, 0.5), (4.4, 0.52)]),
            run("dpo-0.05", "sigmoid", 0.05, [(2.5, 0.7), (6.0, 0.88), (11.5, 0.95)]),
            run("dpo-0.1", "sigmoid", 0.1, [(1.5, 0.62), (4.0, 0.8), (7.2, 0.9)]),
            run("dpo-0.5", "sigmoid", 0.5, [(0.4, 0.5), (0.9, 0.6), (1.6, 0.66)]),
            run("dpo-1", "sigmoid", 1.0, [(0.2, 0.46), (0.45, 0.52), (0.7, 0.56)]),
            run("ul", "unlikelihood", nil, [(3.0, 0.4), (7.5, 0.48), (13.0, 0.5)]),
        ], referenceReward: 0.42)
    }()

    private func assertSnapshot(_ lines: [String], _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().appendingPathComponent("Snapshots/\(name).txt")
        if let mismatch = Snapshot.mismatch(lines.joined(separator: "\n") + "\n", snapshot: url) { XCTFail(mismatch, file: file, line: line) }
    }

    func testGoldenCharts() {
        assertSnapshot(FrontierChart.lines(Self.frontier, width: 80, height: 24), "frontier-80x24")
        assertSnapshot(FrontierChart.lines(Self.frontier, width: 120, height: 40), "frontier-120x40")
        assertSnapshot(FrontierChart.lines(Self.frontier, width: 80, height: 24, charset: .ascii), "frontier-ascii-80x24")
    }

    /// Three single-point runs with markers ●, ■, ▲: a larger KL lands further right, a larger reward higher up,
    /// and the reference's ★ sits left of all (KL 0).
    func testMarkersLandWhereTheirValuesSay() {
        let frontier = Frontier(runs: [
            FrontierRun(run: "a", method: "a", beta: nil, points: [FrontierPoint(step: 1, kl: 1, reward: 0.9)]),
            FrontierRun(run: "b", method: "b", beta: nil, points: [FrontierPoint(step: 1, kl: 5, reward: 0.1)]),
            FrontierRun(run: "c", method: "c", beta: nil, points: [FrontierPoint(step: 1, kl: 3, reward: 0.5)]),
        ], referenceReward: 0.3)
        let lines = FrontierChart.lines(frontier, width: 60, height: 20)
        func position(_ marker: Character) -> (column: Int, row: Int)? {
            for (row, line) in lines.enumerated().dropFirst() {  // row 0 is the legend
                if let index = line.firstIndex(of: marker) { return (line.distance(from: line.startIndex, to: index), row) }
            }
            return nil
        }
        guard let a = position("●"), let b = position("■"), let c = position("▲"), let reference = position("★") else {
            return XCTFail("a marker is missing:\n" + lines.joined(separator: "\n"))
        }
        XCTAssertLessThan(reference.column, a.column)
        XCTAssertLessThan(a.column, c.column)
        XCTAssertLessThan(c.column, b.column)
        XCTAssertLessThan(a.row, c.row)
        XCTAssertLessThan(c.row, reference.row)
        XCTAssertLessThan(reference.row, b.row)
        XCTAssertTrue(lines[0].hasSuffix("● a  ■ b  ▲ c  ★ reference"), lines[0])
    }

    /// Where a baseline's point shares a cell with a β-tuned run's, the baseline's marker is drawn: Preferred-FT
    /// sits at low KL among DPO's early points, and hidden under them the chart would not show what DPO is
    /// compared with. The β-tuned run comes after the baseline in the frontier's order, so order alone would hide it.
    func testBaselineMarkersAreDrawnOverBetaRunsInASharedCell() {
        let frontier = Frontier(runs: [
            FrontierRun(run: "sft", method: "sft", beta: nil, points: [FrontierPoint(step: 10, kl: 0.5, reward: 0.5)]),
            FrontierRun(run: "dpo", method: "sigmoid", beta: 0.1, points: [FrontierPoint(step: 10, kl: 0.5, reward: 0.5),
                                                                           FrontierPoint(step: 20, kl: 4, reward: 0.8)]),
        ], referenceReward: 0.4)
        let plot = FrontierChart.lines(frontier, width: 60, height: 20).dropFirst().joined(separator: "\n")
        XCTAssertTrue(plot.contains("●"), "the baseline's point:\n" + plot)
        XCTAssertEqual(plot.filter { $0 == "■" }.count, 1, "only the β run's own second point:\n" + plot)
        XCTAssertEqual(FrontierChart.drawingOrder(frontier.runs).map(\.run), ["dpo", "sft"])
    }

    func testEveryLineFitsAndLabelsAppearAtManySizes() {
        for width in stride(from: 30, through: 160, by: 13) {
            for height in stride(from: 10, through: 50, by: 7) {
                let lines = FrontierChart.lines(Self.frontier, width: width, height: height)
                XCTAssertEqual(lines.count, height)
                XCTAssertTrue(lines.allSatisfy { TextWidth.of($0) == width }, "\(width)×\(height)")
                XCTAssertTrue(lines.last!.contains("KL"), "\(width)×\(height): x title")
                XCTAssertTrue(lines.contains { $0.contains("★") }, "\(width)×\(height): reference")
            }
        }
        let wide = FrontierChart.lines(Self.frontier, width: 120, height: 40).joined(separator: "\n")
        for label in ["β=0.05", "β=0.1", "β=0.5", "β=1"] { XCTAssertTrue(wide.contains(label), label) }
        XCTAssertEqual(FrontierChart.lines(Self.frontier, width: 29, height: 20)[0].trimmingCharacters(in: .whitespaces), "needs 30×10")
    }

    /// Steps of 1, 2 or 5 × 10ᵏ, the smallest that gives at most `intervals` parts, at multiples inside the range.
    func testTicksAreRoundMultiplesInsideTheRange() {
        func assertTicks(_ actual: [Double], _ expected: [Double], line: UInt = #line) {
            XCTAssertEqual(actual.count, expected.count, "\(actual)", line: line)
            for (a, e) in zip(actual, expected) { XCTAssertEqual(a, e, accuracy: 1e-12, line: line) }
        }
        assertTicks(AxisTicks.nice(0, 1, intervals: 5), [0, 0.2, 0.4, 0.6, 0.8, 1])  // 1/5 = 0.2 exactly
        assertTicks(AxisTicks.nice(0.37, 0.98, intervals: 6), [0.4, 0.6, 0.8])  // 0.61/6 ≈ 0.10 > 0.1: step 0.2
        assertTicks(AxisTicks.nice(-0.63, 13.6, intervals: 6), [0, 5, 10])  // 14.23/6 ≈ 2.4: step 5
        assertTicks(AxisTicks.nice(-0.3, 0.3, intervals: 3), [-0.2, 0, 0.2])
        XCTAssertEqual(AxisTicks.nice(-0.3, 0.3, intervals: 3)[1].sign, .plus, "0, not −0")
        assertTicks(AxisTicks.nice(2, 2, intervals: 4), [2])
    }

    func testSVGIsWellFormedWithOneMarkerPerPoint() throws {
        var frontier = Self.frontier
        frontier.runs[0].run = "online <&> \"quoted\""
        let svg = FrontierSVG.document(frontier)
        let counter = ElementCounter()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = counter
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "") in\n\(svg)")
        XCTAssertEqual(counter.rootElement, "svg")
        XCTAssertEqual(counter.classes["marker"], frontier.runs.map(\.points.count).reduce(0, +))
        XCTAssertEqual(counter.classes["reference"], 1)
        XCTAssertEqual(counter.classes["legend"], 5, "four methods and the reference")
        for label in ["β=0.05", "β=0.1", "β=0.5", "β=1", "reference (SFT)", "unlikelihood", "KL(π ‖ π_ref), nats per sample"] {
            XCTAssertTrue(counter.texts.contains(label), label)
        }
        XCTAssertTrue(counter.texts.contains { $0.hasPrefix("online <&> \"quoted\": step 50") }, "titles unescape to the run's name")
    }
}

/// Counts the elements of each `class` and collects text content.
private final class ElementCounter: NSObject, XMLParserDelegate {
    var rootElement: String?
    var classes: [String: Int] = [:]
    var texts: [String] = []
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if rootElement == nil { rootElement = name }
        if let className = attributes["class"] { classes[className, default: 0] += 1 }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if !text.isEmpty { texts.append(text) }
        text = ""
    }
}
