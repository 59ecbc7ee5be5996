import Foundation
import Training
import XCTest
@testable import Workbench

/// Keys in, state and effects out, without a terminal.
final class UpdateTests: XCTestCase {
    let size = Size(width: 120, height: 40)

    func type(_ text: String, _ state: inout AppState) -> [Effect] {
        var effects: [Effect] = []
        for character in text { effects += Update.handle(.char(character), &state, size: size) }
        return effects
    }

    func testColonCommandSetsAKeyThroughItsValidator() {
        var state = Fixtures.state(screen: .config)
        _ = type(":beta 0.2", &state)
        XCTAssertEqual(Update.handle(.enter, &state, size: size), [])
        XCTAssertEqual(state.experiment.loss.beta, 0.2)
        XCTAssertEqual(state.message?.text, "beta = 0.2 (was 0.1)")
        XCTAssertEqual(state.configRows[state.config.cursor], .key("beta"))

        _ = type(":beta -1", &state)
        _ = Update.handle(.enter, &state, size: size)
        XCTAssertEqual(state.experiment.loss.beta, 0.2)
        XCTAssertEqual(state.message?.isError, true)
        XCTAssertTrue(state.message!.text.contains("out of range (accepts > 0)"), state.message!.text)

        _ = type(":set learning_rate=3e-4", &state)
        _ = Update.handle(.enter, &state, size: size)
        XCTAssertEqual(state.experiment.learningRate, 3e-4)
        _ = type(":nonsense", &state)
        _ = Update.handle(.enter, &state, size: size)
        XCTAssertEqual(state.message?.isError, true)
    }

    func testEditInPlaceValidatesAndKeepsEditingOnError() {
        var state = Fixtures.state(screen: .config)
        _ = type("/max_length", &state)
        _ = Update.handle(.enter, &state, size: size)
        XCTAssertEqual(state.configRows, [.key("max_length")])
        _ = Update.handle(.enter, &state, size: size)
        XCTAssertEqual(state.mode, .editing(key: "max_length", text: "512"))
        _ = Update.handle(.ctrl("u"), &state, size: size)
        _ = type("100", &state)
        // max_prompt_length is 256: a max_length of 100 leaves no room, which only the cross-key check sees.
        XCTAssertEqual(Update.handle(.enter, &state, size: size), [])
        XCTAssertEqual(state.mode, .editing(key: "max_length", text: "100"))
        XCTAssertTrue(state.config.error?.contains("max_prompt_length") ?? false, state.config.error ?? "")
        _ = Update.handle(.ctrl("u"), &state, size: size)
        _ = type("1024", &state)
        XCTAssertEqual(Update.handle(.enter, &state, size: size), [.reloadData])
        XCTAssertEqual(state.mode, .normal)
        XCTAssertEqual(state.experiment.maxLength, 1024)
        XCTAssertNil(state.config.error)
        _ = Update.handle(.escape, &state, size: size)
        XCTAssertEqual(state.config.filter, "")
    }

    func testChoicesCycleAndResetRestoresTheDefault() {
        var state = Fixtures.state(screen: .config)
        _ = type("/loss_type", &state)
        _ = Update.handle(.enter, &state, size: size)
        _ = Update.handle(.right, &state, size: size)
        XCTAssertEqual(state.experiment.loss.lossTypes, [.robust])
        _ = Update.handle(.left, &state, size: size)
        _ = Update.handle(.left, &state, size: size)
        XCTAssertEqual(state.experiment.loss.lossTypes, [LossType.allCases.last!])
        _ = Update.handle(.char("d"), &state, size: size)
        XCTAssertEqual(state.experiment.loss.lossTypes, [.sigmoid])
    }

    func testSweepValuesQueueOneRunEach() {
        var state = Fixtures.state(screen: .config)
        _ = type(":sweep label_smoothing 0,0.1", &state)
        _ = Update.handle(.enter, &state, size: size)
        XCTAssertEqual(state.experiment.sweep.map(\.key), ["beta", "label_smoothing"])
        let effects = Update.handle(.char("S"), &state, size: size)
        guard case .start(let runs) = effects.first else { return XCTFail("\(effects)") }
        XCTAssertEqual(runs.count, 6)
        XCTAssertEqual(runs.map(\.loss.beta), [0.05, 0.05, 0.1, 0.1, 0.5, 0.5])
        XCTAssertEqual(runs.map(\.loss.labelSmoothing), [0, 0.1, 0, 0.1, 0, 0.1])
        _ = type(":sweep label_smoothing 0.7", &state)
        _ = Update.handle(.enter, &state, size: size)
        XCTAssertEqual(state.message?.isError, true, "an out-of-range sweep value is refused")
    }

    func testAListOfGridsQueuesItsRunsAndKeepsItsAxesInTheFile() {
        var state = Fixtures.state(screen: .config)
        state.experiment.sweep = []
        state.experiment.sweepGrids = [[SweepAxis(key: "beta", values: ["0.05", "0.5"])], [SweepAxis(key: "loss_type", values: ["sft"])]]
        _ = type(":sweep label_smoothing 0,0.1", &state)
        _ = Update.handle(.enter, &state, size: size)
        XCTAssertEqual(state.message?.isError, true, "an axis beside a list of grids is refused")
        XCTAssertEqual(state.experiment.sweep, [])
        let effects = Update.handle(.char("S"), &state, size: size)
        guard case .start(let runs) = effects.first else { return XCTFail("\(effects)") }
        XCTAssertEqual(runs.map(\.loss.lossTypes), [[.sigmoid], [.sigmoid], [.sft]])
        _ = type(":sweep clear", &state)
        _ = Update.handle(.enter, &state, size: size)
        XCTAssertEqual(state.experiment.sweepGrids, [])
    }

    func testQuitAsksOnlyWhenRunsOfThisWorkbenchAreActive() {
        var state = Fixtures.state(screen: .runs)
        XCTAssertEqual(Update.handle(.char("q"), &state, size: size), [])
        XCTAssertEqual(state.mode, .confirmQuit)
        XCTAssertEqual(Update.handle(.escape, &state, size: size), [])
        XCTAssertEqual(state.mode, .normal)
        _ = Update.handle(.ctrl("c"), &state, size: size)
        XCTAssertEqual(Update.handle(.char("d"), &state, size: size), [.detach])
        state.mode = .normal
        _ = Update.handle(.char("q"), &state, size: size)
        XCTAssertEqual(Update.handle(.char("s"), &state, size: size), [.stopAllAndQuit])
        XCTAssertEqual(state.mode, .stopping)

        var idle = Fixtures.state(screen: .runs)
        idle.runs[0].ownedHere = false
        XCTAssertEqual(Update.handle(.char("q"), &idle, size: size), [.quit])
    }

    func testWatchIsReadOnly() {
        var state = Fixtures.state(screen: .runs)
        state.readOnly = true
        XCTAssertEqual(state.screens, [.runs, .charts, .diagnostics])
        XCTAssertEqual(Update.handle(.char("s"), &state, size: size), [])
        XCTAssertEqual(state.message?.text, "dpo watch is read-only")
        _ = Update.handle(.char("1"), &state, size: size)
        XCTAssertEqual(state.screen, .runs)
        _ = Update.handle(.tab, &state, size: size)
        XCTAssertEqual(state.screen, .charts)
        _ = Update.handle(.tab, &state, size: size)
        XCTAssertEqual(state.screen, .diagnostics)
        _ = Update.handle(.tab, &state, size: size)
        XCTAssertEqual(state.screen, .runs)
        XCTAssertFalse(KeyBindings.hints(on: .runs, readOnly: true).contains { $0.label == "stop" })
    }

    func testRunKeys() {
        var state = Fixtures.state(screen: .runs)
        XCTAssertEqual(Update.handle(.char("p"), &state, size: size), [.pause(state.runs[0].id, true)])
        XCTAssertEqual(Update.handle(.char("x"), &state, size: size), [.stop(state.runs[0].id)])
        _ = Update.handle(.char(" "), &state, size: size)
        XCTAssertEqual(state.runsScreen.selected, [state.runs[0].id])
        XCTAssertEqual(state.runsScreen.cursor, 1)
        XCTAssertEqual(Update.handle(.char("r"), &state, size: size), [], "a finished run does not resume")
        _ = Update.handle(.char("j"), &state, size: size)
        XCTAssertEqual(Update.handle(.char("r"), &state, size: size), [.resume(path: state.runs[2].path!)])
        XCTAssertEqual(Update.handle(.char("s"), &state, size: size), [.start([state.experiment])])
    }

    func testSearchFindsAndStepsThroughMatches() {
        var state = Fixtures.state(screen: .data)
        _ = type("/BEES", &state)
        XCTAssertEqual(state.data.matches, [3, 8, 13, 18, 23, 28, 33, 38])
        _ = Update.handle(.enter, &state, size: size)
        XCTAssertEqual(state.data.cursor, 3)
        _ = Update.handle(.char("n"), &state, size: size)
        XCTAssertEqual(state.data.cursor, 8)
        _ = Update.handle(.char("N"), &state, size: size)
        _ = Update.handle(.char("N"), &state, size: size)
        XCTAssertEqual(state.data.cursor, 38)
        _ = Update.handle(.escape, &state, size: size)
        XCTAssertEqual(state.data.matches, [])
    }

    func testHelpAndHintsComeFromTheKeyTable() {
        let help = KeyBindings.helpLines(screens: ScreenID.allCases, readOnly: false)
        for binding in KeyBindings.table {
            XCTAssertTrue(help.contains { $0.keys == binding.keyLabel && $0.help == binding.help }, binding.help)
        }
        for screen in ScreenID.allCases {
            let hints = KeyBindings.hints(on: screen, readOnly: false)
            // A global key the screen binds itself (the judge's q and s) is hinted as the screen's.
            let own = Set(KeyBindings.table.filter { $0.context == .screen(screen) }.flatMap(\.keys))
            let expected = KeyBindings.table.filter {
                ($0.context == .screen(screen) || ($0.context == .global && !own.contains($0.keys[0]))) && $0.hint != nil
            }
            XCTAssertEqual(Set(hints.map(\.label)), Set(expected.map { $0.hint! }))
        }
        // No two bindings of one context share a key.
        for context in [BindingContext.global, .quitDialog] + ScreenID.allCases.map(BindingContext.screen) {
            let keys = KeyBindings.table.filter { $0.context == context }.flatMap(\.keys)
            XCTAssertEqual(keys.count, Set(keys).count, "\(context)")
        }
        // The `:` commands are listed too, each name calling one command.
        for command in KeyBindings.commands {
            XCTAssertTrue(help.contains { $0.keys == command.usage && $0.help == command.help }, command.usage)
        }
        let names = KeyBindings.commands.flatMap(\.names)
        XCTAssertEqual(names.count, Set(names).count)
    }

    func testColonCommandsComeFromTheTableAndWatchRefusesTheMutatingOnes() {
        var state = Fixtures.state(screen: .charts)
        XCTAssertEqual(Update.command("xaxis time", &state), [])
        XCTAssertEqual(state.charts.xAxis, .time)
        XCTAssertEqual(Update.command("h", &state), [])
        XCTAssertEqual(state.mode, .help(scroll: 0))
        XCTAssertEqual(Update.command("nonsense", &state), [])
        XCTAssertEqual(state.message?.isError, true)
        var watch = Fixtures.state(screen: .runs)
        watch.readOnly = true
        for command in KeyBindings.commands where command.mutates {
            XCTAssertEqual(Update.command(command.names[0] + " beta=0.3", &watch), [], command.usage)
            XCTAssertEqual(watch.message?.text, "dpo watch is read-only", command.usage)
        }
        let helpInWatch = KeyBindings.helpLines(screens: watch.screens, readOnly: true)
        XCTAssertFalse(helpInWatch.contains { $0.keys.hasPrefix(":w") }, "watch lists no command it refuses")
        XCTAssertFalse(helpInWatch.contains { $0.section == BindingContext.quitDialog.title })
    }

    func testChartKeys() {
        var state = Fixtures.state(screen: .charts)
        _ = Update.handle(.char("+"), &state, size: size)
        XCTAssertEqual(state.charts.smoothing, 0.65, accuracy: 1e-9)
        for _ in 0..<20 { _ = Update.handle(.char("-"), &state, size: size) }
        XCTAssertEqual(state.charts.smoothing, 0)
        _ = Update.handle(.char("l"), &state, size: size)
        _ = Update.handle(.char("j"), &state, size: size)
        XCTAssertEqual(state.charts.cursor, 4, "3 columns at 120×40: down moves by a row")
        _ = Update.handle(.char("z"), &state, size: size)
        XCTAssertTrue(state.charts.zoomed)
        _ = Update.handle(.escape, &state, size: size)
        XCTAssertFalse(state.charts.zoomed)
        _ = Update.handle(.char("w"), &state, size: size)
        XCTAssertEqual(state.charts.xAxis, .time)
    }

    /// A method's own charts appear after the common ones only for runs that log their metrics (KTO's kl here;
    /// the fixture's DPO runs log their samples' reward and KL), and the chart cursor can reach them.
    func testMethodChartsFollowTheSelectedRunsMetrics() {
        var state = Fixtures.state(screen: .charts)
        let common = ChartsView.definitions.count
        XCTAssertEqual(ChartsView.definitions(for: state.chartRuns).map(\.title).dropFirst(common),
                       ["samples/reward · samples/reference_reward", "samples/kl (nats per sample)"], "a DPO run has no method charts")
        var kto = state.runs[0]
        for step in 1...5 { kto.metrics.append(["step": Double(1000 + step), "loss": 0.5, "kl": 0.1 * Double(step)]) }
        state.runs[0] = kto
        state.runsScreen.selected = [kto.id]
        let shown = ChartsView.definitions(for: state.chartRuns)
        XCTAssertEqual(shown.map(\.title).dropFirst(common).first, "kl (KTO's reference point)")
        for _ in 0..<shown.count { _ = Update.handle(.char("l"), &state, size: size) }
        XCTAssertEqual(state.charts.cursor, shown.count - 1)
        while shown[state.charts.cursor].title != "kl (KTO's reference point)" { _ = Update.handle(.char("h"), &state, size: size) }
        _ = Update.handle(.char("z"), &state, size: size)
        let frame = MemoryScreen(size)
        frame.draw(Renderer.frame(state, size: size, options: RenderOptions()), over: nil)
        XCTAssertTrue(frame.snapshot().contains("kl (KTO's reference point)"))
    }

    /// `c` on Runs puts the run's config on the Config screen as a new experiment (not while watching).
    func testCloneCopiesTheRunsConfigToTheConfigScreen() {
        var state = Fixtures.state(screen: .runs)
        state.runs[1].experiment?.runName = "tuned"
        _ = Update.handle(.char("j"), &state, size: size)
        _ = Update.handle(.char("c"), &state, size: size)
        XCTAssertEqual(state.screen, .config)
        XCTAssertEqual(state.experiment.loss.beta, 0.5)
        XCTAssertNil(state.experiment.runName, "a clone is named afresh")
        XCTAssertTrue(state.message?.text.contains("a copy of sigmoid-beta0.5") ?? false, "\(String(describing: state.message))")
        var watching = Fixtures.state(screen: .runs)
        watching.readOnly = true
        _ = Update.handle(.char("c"), &watching, size: size)
        XCTAssertEqual(watching.screen, .runs)
    }

    /// `C` clones with a warm start from the run's newest checkpoint, and says so when there is none yet.
    func testWarmCloneStartsFromTheNewestCheckpoint() {
        var state = Fixtures.state(screen: .runs)
        _ = Update.handle(.char("j"), &state, size: size)
        _ = Update.handle(.char("C"), &state, size: size)
        XCTAssertEqual(state.screen, .runs, "no checkpoint yet: nothing to start from")
        XCTAssertTrue(state.message?.text.contains("no checkpoint yet") ?? false, "\(String(describing: state.message))")
        state.runs[1].latestCheckpoint = "/runs/sigmoid-beta0.5/checkpoints/step-200"
        _ = Update.handle(.char("C"), &state, size: size)
        XCTAssertEqual(state.screen, .config)
        XCTAssertEqual(state.experiment.initFrom, "/runs/sigmoid-beta0.5/checkpoints/step-200")
        XCTAssertEqual(state.experiment.loss.beta, 0.5)
        XCTAssertTrue(state.message?.text.contains("starting from step-200") ?? false, "\(String(describing: state.message))")
    }

    /// `P` pins a run: first on the Charts screen whatever else is selected, so its colour stays; the Samples and
    /// Diagnostics screens still follow the selection or the cursor.
    func testPinnedRunsLeadTheChartsAndKeepTheirColour() {
        var state = Fixtures.state(screen: .runs)
        let ids = state.runs.map(\.id)
        _ = Update.handle(.char("j"), &state, size: size)
        _ = Update.handle(.char("j"), &state, size: size)
        XCTAssertEqual(Update.handle(.char("P"), &state, size: size), [.savePins([ids[2]])], "pins are kept in the runs folder")
        XCTAssertEqual(state.chartRuns.map(\.id), [ids[2]], "the cursor's run is the pinned one")
        _ = Update.handle(.char("k"), &state, size: size)
        XCTAssertEqual(state.chartRuns.map(\.id), [ids[2], ids[1]], "pinned first, then the cursor's")
        _ = Update.handle(.char("k"), &state, size: size)
        _ = Update.handle(.char(" "), &state, size: size)
        _ = Update.handle(.char(" "), &state, size: size)
        XCTAssertEqual(state.runsScreen.cursor, 2, "selecting moves the cursor down")
        XCTAssertEqual(state.chartRuns.map(\.id), [ids[2], ids[0], ids[1]])
        XCTAssertEqual(state.focusRun?.id, ids[0], "Samples and Diagnostics follow the first selected")
        _ = Update.handle(.char("P"), &state, size: size)
        XCTAssertEqual(state.chartRuns.map(\.id), [ids[0], ids[1]], "unpinned")
        let frame = MemoryScreen(Size(width: 120, height: 40))
        _ = Update.handle(.char("P"), &state, size: size)
        frame.draw(Renderer.frame(state, size: Size(width: 120, height: 40)), over: nil)
        XCTAssertTrue(frame.snapshot().contains("│◆ ipo-beta0.05"), "the pin mark:\n\(frame.snapshot())")
        state.readOnly = true
        XCTAssertEqual(Update.handle(.char("P"), &state, size: size), [], "dpo watch writes nothing into the folder")
        XCTAssertTrue(state.runsScreen.pinned.isEmpty, "but the pin still toggles for the session")
    }
}
