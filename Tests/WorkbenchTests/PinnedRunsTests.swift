import Foundation
import TestSupport
import Training
import Workbench
import XCTest

/// Pins outlive the workbench: `P` writes them into the runs folder, and the next workbench on that folder reads them.
final class PinnedRunsTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryDirectory("pins") }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testPinsRoundTripWithPathsInsideTheFolderStoredRelative() throws {
        let inside = RunID.directory(folder.appendingPathComponent("dpo-a").path)
        let outside = RunID.directory("/elsewhere/dpo-b")
        try PinnedRuns.save([inside, .queued(job: 3), outside], runsDirectory: folder.path)
        let text = try String(contentsOf: folder.appendingPathComponent(PinnedRuns.fileName), encoding: .utf8)
        XCTAssertTrue(text.contains("\"dpo-a\"") && text.contains("\"/elsewhere/dpo-b\""), text)
        XCTAssertEqual(PinnedRuns.load(runsDirectory: folder.path), [inside, outside])
    }

    func testMissingOrDamagedFileMeansNoPins() throws {
        XCTAssertEqual(PinnedRuns.load(runsDirectory: folder.path), [])
        try Data("{\"pinned\": [".utf8).write(to: folder.appendingPathComponent(PinnedRuns.fileName))
        XCTAssertEqual(PinnedRuns.load(runsDirectory: folder.path), [])
    }

    func testAPinMadeInOneWorkbenchLeadsTheChartsOfTheNext() throws {
        let experiment = try Experiment(yaml: EndToEndTests.tinyExperiment(outputDir: folder.path))
        for name in ["dpo-first", "dpo-second"] {
            let run = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            try Data(experiment.yaml().utf8).write(to: run.appendingPathComponent(RunDirectory.configFile))
        }
        var options = WorkbenchOptions(experiment: experiment)
        options.runsDirectory = folder.path
        let size = Size(width: 120, height: 40)
        let first = WorkbenchApp(options: options, now: Date().timeIntervalSince1970)
        _ = first.tick(now: Date().timeIntervalSince1970)
        XCTAssertEqual(first.state.runs.count, 2)
        _ = first.handle(.char("3"), size: size)
        _ = first.handle(.char("j"), size: size)
        let pinned = try XCTUnwrap(first.state.cursorRun?.id)
        _ = first.handle(.char("P"), size: size)

        let second = WorkbenchApp(options: options, now: Date().timeIntervalSince1970)
        _ = second.tick(now: Date().timeIntervalSince1970)
        XCTAssertEqual(second.state.runsScreen.pinned, [pinned])
        XCTAssertEqual(second.state.chartRuns.first?.id, pinned)

        _ = second.handle(.char("3"), size: size)
        while second.state.cursorRun?.id != pinned { _ = second.handle(.char("j"), size: size) }
        _ = second.handle(.char("P"), size: size)
        XCTAssertEqual(PinnedRuns.load(runsDirectory: folder.path), [], "unpinning is saved too")
    }
}
