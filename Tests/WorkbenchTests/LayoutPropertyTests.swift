import XCTest
@testable import Workbench

/// Layout over many sizes: every pane inside the screen, no two panes overlapping, and every drawn cell inside a
/// pane (so no widget draws outside the place it was given).
final class LayoutPropertyTests: XCTestCase {
    static var sizes: [Size] {
        var sizes: [Size] = []
        for width in stride(from: 80, through: 240, by: 17) {
            for height in stride(from: 24, through: 80, by: 9) { sizes.append(Size(width: width, height: height)) }
        }
        return sizes + [Size(width: 80, height: 24), Size(width: 81, height: 25), Size(width: 300, height: 100), Size(width: 80, height: 200)]
    }

    static var variants: [(String, AppState)] {
        var result: [(String, AppState)] = []
        for screen in ScreenID.allCases { result.append(("\(screen)", Fixtures.state(screen: screen))) }
        var statistics = Fixtures.state(screen: .data)
        statistics.data.showStatistics = true
        result.append(("statistics", statistics))
        var zoomed = Fixtures.state(screen: .charts)
        zoomed.charts.zoomed = true
        result.append(("zoom", zoomed))
        var overlay = Fixtures.state(screen: .charts)
        overlay.runsScreen.selected = overlay.runs.map(\.id)
        overlay.charts.cursor = 10
        result.append(("three runs, last page", overlay))
        var empty = Fixtures.state(screen: .runs)
        empty.runs = []
        result.append(("no runs", empty))
        var judging = Fixtures.state(screen: .judge)
        judging.judge = Fixtures.judgeSession()
        result.append(("judging", judging))
        var judged = judging
        while judged.judge?.judge(.b) != nil {}
        result.append(("every pair judged", judged))
        var loading = Fixtures.state(screen: .data)
        loading.data.snapshot = nil
        loading.data.status = "training the BPE vocabulary…"
        result.append(("loading", loading))
        return result
    }

    func testPanesStayInsideTheScreenAndNeverOverlap() {
        let variants = Self.variants
        for size in Self.sizes {
            let screen = Rect(x: 0, y: 0, width: size.width, height: size.height)
            for (name, state) in variants {
                let panes = Layout.panes(state, size: size)
                for pane in panes {
                    XCTAssertTrue(screen.contains(pane.rect), "\(name) at \(size): \(pane.name) \(pane.rect) leaves the screen")
                    XCTAssertFalse(pane.rect.isEmpty, "\(name) at \(size): \(pane.name) is empty")
                }
                for (i, a) in panes.enumerated() {
                    for b in panes[(i + 1)...] where a.rect.intersects(b.rect) {
                        XCTFail("\(name) at \(size): \(a.name) \(a.rect) overlaps \(b.name) \(b.rect)")
                    }
                }
            }
        }
    }

    func testEveryDrawnCellIsInsideAPane() {
        let variants = Self.variants
        for size in Self.sizes {
            for (name, state) in variants {
                var state = state
                Update.fit(&state, size: size)
                let canvas = Renderer.frame(state, size: size)
                XCTAssertEqual(canvas.width, size.width)
                XCTAssertEqual(canvas.height, size.height)
                let panes = Layout.panes(state, size: size)
                for y in 0..<size.height {
                    for x in 0..<size.width where canvas[x, y] != .blank {
                        let inside = panes.contains { $0.rect.contains(Rect(x: x, y: y, width: 1, height: 1)) }
                        if !inside {
                            XCTFail("\(name) at \(size): '\(canvas[x, y].text)' at (\(x), \(y)) is outside every pane")
                            return
                        }
                    }
                }
            }
        }
    }

    func testSmallerThanMinimumShowsOnlyACentredMessage() {
        for size in [Size(width: 79, height: 24), Size(width: 80, height: 23), Size(width: 40, height: 10), Size(width: 12, height: 3)] {
            let canvas = Renderer.frame(Fixtures.state(screen: .charts), size: size)
            let rows = canvas.lines.enumerated().filter { !$0.element.trimmingCharacters(in: .whitespaces).isEmpty }
            XCTAssertTrue(rows.first?.element.contains("needs") ?? false, "\(size): \(canvas.lines)")
            let line = rows.first!.element
            let left = line.prefix { $0 == " " }.count, right = line.reversed().prefix { $0 == " " }.count
            XCTAssertLessThanOrEqual(abs(left - right), 1, "\(size): not centred: '\(line)'")
        }
    }

    func testResizingRedrawsEverything() {
        let state = Fixtures.state(screen: .runs)
        let screen = MemoryScreen(Size(width: 120, height: 40))
        let first = Renderer.frame(state, size: screen.size)
        screen.draw(first, over: nil)
        screen.resize(Size(width: 90, height: 30))
        let second = Renderer.frame(state, size: screen.size)
        screen.draw(second, over: first)
        XCTAssertEqual(screen.canvas, second)
        // An unchanged frame sends nothing.
        let before = screen.cellsWritten
        screen.draw(second, over: second)
        XCTAssertEqual(screen.cellsWritten, before)
    }
}
