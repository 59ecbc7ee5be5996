import Foundation
import Preference
import TestSupport
import Training
import XCTest
@testable import Workbench

/// Every screen rendered from fixed data through the in-memory backend, compared with a snapshot file beside
/// this test (`Snapshots/`). `WORKBENCH_RECORD=1` re-records; a recorded (or missing) snapshot fails the test, so
/// a snapshot can never pass unseen.
final class GoldenScreenTests: XCTestCase {
    static let sizes = [Size(width: 80, height: 24), Size(width: 120, height: 40)]

    func assertSnapshot(_ state: AppState, _ name: String, size: Size, options: RenderOptions = RenderOptions(),
                        file: StaticString = #filePath, line: UInt = #line) {
        var state = state
        Update.fit(&state, size: size)
        let screen = MemoryScreen(size)
        screen.draw(Renderer.frame(state, size: size, options: options), over: nil)
        let text = screen.snapshot()
        let url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
            .appendingPathComponent("Snapshots/\(name)-\(size.width)x\(size.height).txt")
        if let mismatch = Snapshot.mismatch(text, snapshot: url) { XCTFail(mismatch, file: file, line: line) }
    }

    func testDataScreen() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .data)
            state.data.cursor = 3
            assertSnapshot(state, "data", size: size)
        }
    }

    func testDataSearch() {
        var state = Fixtures.state(screen: .data)
        for key in ["/", "o", "p", "e", "r", "a"].map({ Key.char(Character($0)) }) + [.enter] {
            _ = Update.handle(key, &state, size: Self.sizes[0])
        }
        XCTAssertEqual(state.data.matches, [3, 8, 13, 18, 23, 28, 33, 38])
        XCTAssertEqual(state.data.cursor, 3)
        assertSnapshot(state, "data-search", size: Self.sizes[0])
    }

    func testDataStatistics() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .data)
            state.data.showStatistics = true
            assertSnapshot(state, "data-statistics", size: size)
        }
    }

    func testConfigScreen() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .config)
            _ = Update.handle(.char(":"), &state, size: size)
            for character in "beta 0.2" { _ = Update.handle(.char(character), &state, size: size) }
            _ = Update.handle(.enter, &state, size: size)
            state.message = nil
            assertSnapshot(state, "config", size: size)
        }
    }

    func testConfigEditingShowsValidationError() {
        var state = Fixtures.state(screen: .config)
        let size = Self.sizes[1]
        _ = Update.handle(.char("/"), &state, size: size)
        for character in "label" { _ = Update.handle(.char(character), &state, size: size) }
        _ = Update.handle(.enter, &state, size: size)
        _ = Update.handle(.enter, &state, size: size)
        _ = Update.handle(.ctrl("u"), &state, size: size)
        for character in "0.7" { _ = Update.handle(.char(character), &state, size: size) }
        _ = Update.handle(.enter, &state, size: size)
        XCTAssertEqual(state.mode, .editing(key: "label_smoothing", text: "0.7"))
        assertSnapshot(state, "config-invalid", size: size)
    }

    func testChartsFrontierOfAllRuns() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .charts)
            _ = Update.handle(.char("f"), &state, size: size)
            XCTAssertTrue(state.charts.frontier)
            assertSnapshot(state, "charts-frontier", size: size)
        }
    }

    /// With a baseline among the runs (the β 0.1 run turned into Preferred-FT), the frontier keeps rows below the
    /// chart for how much of it each β-tuned run dominates, and from which KL β acts.
    func testChartsFrontierWithABaseline() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .charts)
            state.runs[0].experiment?.loss.lossTypes = [.sft]
            _ = Update.handle(.char("f"), &state, size: size)
            let frontier = Frontier(combining: ChartsView.frontierPool(state).compactMap(\.frontier))
            XCTAssertEqual(frontier.compactDominance().count, 1, "one β-tuned run against one baseline")
            assertSnapshot(state, "charts-frontier-baseline", size: size)
        }
    }

    func testConfigDiffOfTwoSelectedRuns() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .runs)
            state.runs[2].experiment?.loss.lossTypes = [.ipo]
            _ = Update.handle(.char(" "), &state, size: size)
            _ = Update.handle(.char("j"), &state, size: size)
            _ = Update.handle(.char("j"), &state, size: size)
            _ = Update.handle(.char("D"), &state, size: size)
            XCTAssertEqual(state.mode, .configDiff(state.runs[0].id, state.runs[2].id))
            assertSnapshot(state, "config-diff", size: size)
            _ = Update.handle(.char("x"), &state, size: size)
            XCTAssertEqual(state.mode, .normal, "any key closes it")
        }
    }

    func testRunsFilteredByConfig() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .runs)
            for key in [Key.char("/")] + "beta<0.3 and loss<0.4".map({ Key.char($0) }) + [.enter] { _ = Update.handle(key, &state, size: size) }
            XCTAssertEqual(state.runsScreen.filter, "beta<0.3 and loss<0.4")
            state.runs = state.filtered(state.runs)
            XCTAssertEqual(state.runs.map(\.name), ["sigmoid-beta0.1-20270115-093000"], "β 0.05's loss is 0.5: out")
            assertSnapshot(state, "runs-filter", size: size)
        }
    }

    func testChartsFilteredByTitle() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .charts)
            for key in [Key.char("/")] + "rewards".map({ Key.char($0) }) + [.enter] { _ = Update.handle(key, &state, size: size) }
            XCTAssertEqual(ChartsView.definitions(for: state.chartRuns, filter: state.charts.filter).map(\.title),
                           ["rewards/margins", "rewards/accuracies", "rewards/chosen · rewards/rejected", "eval_rewards/accuracies",
                            "eval_rewards/margins"], "samples/reward · samples/reference_reward holds reward, not rewards")
            assertSnapshot(state, "charts-filter", size: size)
            _ = Update.handle(.escape, &state, size: size)
            XCTAssertEqual(state.charts.filter, "", "Esc clears the filter")
        }
    }

    func testChartsInspectionCursor() throws {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .charts)
            _ = Update.handle(.char("i"), &state, size: size)
            XCTAssertEqual(state.charts.inspect, 60, "the latest step of the run shown")
            for _ in 0..<20 { _ = Update.handle(.char("["), &state, size: size) }
            XCTAssertEqual(state.charts.inspect, 40, "a logged step at a time (training 1…60 and SFT 1…30)")
            assertSnapshot(state, "charts-inspect", size: size)
            _ = Update.handle(.char("i"), &state, size: size)
            XCTAssertNil(state.charts.inspect)

            // A click on a chart's plot puts the cursor on the logged step nearest it and focuses the chart.
            let panes = Layout.panes(state, size: size)
            let second = try XCTUnwrap(panes.first { $0.name == "chart-1" }?.rect)
            let plotLeft = second.x + 1 + 8, plotRight = second.maxX - 2
            _ = Update.handle(.mouse(x: plotRight, y: second.y + 2), &state, size: size)
            XCTAssertEqual(state.charts.inspect, 60)
            XCTAssertEqual(state.charts.cursor, 1)
            _ = Update.handle(.mouse(x: plotLeft, y: second.y + 2), &state, size: size)
            XCTAssertEqual(state.charts.inspect, 1)
            _ = Update.handle(.mouse(x: second.x + 2, y: second.y + 2), &state, size: size)
            XCTAssertEqual(state.charts.inspect, 1, "a click on the y labels changes nothing")
        }
    }

    func testDiagnosticsScreen() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .runs)
            _ = Update.handle(.down, &state, size: size)
            _ = Update.handle(.char("6"), &state, size: size)
            _ = Update.handle(.down, &state, size: size)
            XCTAssertEqual(state.screen, .diagnostics)
            XCTAssertEqual(state.diagnostics.cursor, 1)
            assertSnapshot(state, "diagnostics", size: size)
        }
    }

    func testRunsScreen() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .runs)
            state.runsScreen.selected = [state.runs[0].id, state.runs[1].id]
            assertSnapshot(state, "runs", size: size)
        }
    }

    func testChartsScreen() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .charts)
            state.runsScreen.selected = [state.runs[0].id, state.runs[1].id]
            assertSnapshot(state, "charts", size: size)
        }
    }

    func testChartsZoomedOneRun() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .charts)
            state.charts.zoomed = true
            state.charts.cursor = 2
            assertSnapshot(state, "charts-zoom", size: size)
        }
    }

    func testChartsInBlocksAndASCIIWithoutColour() {
        var state = Fixtures.state(screen: .charts)
        state.runsScreen.selected = [state.runs[0].id, state.runs[1].id]
        assertSnapshot(state, "charts-blocks", size: Self.sizes[0], options: RenderOptions(charset: .blocks, colors: true))
        assertSnapshot(state, "charts-ascii-mono", size: Self.sizes[0], options: RenderOptions(charset: .ascii, colors: false))
    }

    func testSamplesScreen() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .samples)
            state.samples.cursor = 1
            assertSnapshot(state, "samples", size: size)
        }
    }

    func testHelpAndQuitDialog() {
        var state = Fixtures.state(screen: .runs)
        _ = Update.handle(.char("?"), &state, size: Self.sizes[1])
        assertSnapshot(state, "help", size: Self.sizes[1])
        state.mode = .normal
        XCTAssertEqual(Update.handle(.char("q"), &state, size: Self.sizes[0]), [])
        XCTAssertEqual(state.mode, .confirmQuit)
        assertSnapshot(state, "quit", size: Self.sizes[0])
    }

    func testJudgeScreen() {
        for size in Self.sizes {
            var state = Fixtures.state(screen: .runs)
            state.judge = Fixtures.judgeSession()
            state.screen = .judge
            assertSnapshot(state, "judge", size: size)
        }
    }

    /// A run's generated pairs on the Data screen: the judge beside the source, each score beside its completion.
    func testGeneratedPairsShowTheirJudgeAndScores() {
        var state = Fixtures.state(screen: .data)
        state.data.file = "experiments/runs/online-20270115-093000/generated_pairs.jsonl"
        let annotations = Dictionary(uniqueKeysWithValues: (1...40).map {
            ($0, PairAnnotation(judge: "sentiment", scoreChosen: 0.5 + Double($0) / 100, scoreRejected: 0.25))
        })
        state.data.snapshot = DataSnapshot.make(
            name: state.data.file!, records: Fixtures.pairs(), format: .standard, encoder: ByteEncoder(), decode: nil, unit: "bytes",
            tokenizer: "UTF-8 bytes", truncation: TruncationSettings(maxLength: 128, maxPromptLength: 64), annotations: annotations)
        state.data.cursor = 2
        XCTAssertEqual(state.data.snapshot?.pairs[2].annotation?.scoreChosen, 0.53)
        assertSnapshot(state, "data-generated", size: Self.sizes[1])
    }

    /// The end of the help: the Runs keys that open generated pairs and the judge, and the judge's own keys.
    func testHelpListsTheJudgeKeys() {
        var state = Fixtures.state(screen: .data)
        _ = Update.handle(.char("?"), &state, size: Self.sizes[1])
        for _ in 0..<4 { _ = Update.handle(.pageDown, &state, size: Self.sizes[1]) }
        assertSnapshot(state, "help-end", size: Self.sizes[1])
    }

    func testWatchIsReadOnly() {
        var state = Fixtures.state(screen: .runs)
        state.readOnly = true
        assertSnapshot(state, "watch", size: Self.sizes[0])
    }

    func testTooSmall() {
        assertSnapshot(Fixtures.state(screen: .charts), "too-small", size: Size(width: 60, height: 15))
    }
}
