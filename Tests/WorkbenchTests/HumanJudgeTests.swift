import Foundation
import Preference
import TestSupport
import Training
import XCTest
@testable import Workbench

/// The human judge: verdicts as pure updates of the session, the A/B order, agreement, and (through the app, in a
/// temporary runs folder) the preference file and verdict journal: saved as made, resumed and undone across
/// restarts, and loadable as a dataset.
final class HumanJudgeTests: XCTestCase {
    let size = Size(width: 120, height: 40)
    var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryDirectory("dpo-judge") }
    override func tearDownWithError() throws { if let folder { try? FileManager.default.removeItem(at: folder) } }

    func judging() -> AppState {
        var state = Fixtures.state(screen: .runs)
        state.judge = Fixtures.judgeSession()
        state.judge!.judgments = []
        state.screen = .judge
        return state
    }

    func testPickTieSkipAndUndoChangeTheSessionAndAskForWrites() throws {
        var state = judging()
        let session = try XCTUnwrap(state.judge)
        // a, 2, t, s: the judge's own keys win over the global ones (2 is the Config screen, s starts a run).
        let keys: [(Key, Verdict)] = [(.char("a"), .a), (.char("2"), .b), (.char("t"), .tie), (.char("s"), .skip)]
        for (item, (key, verdict)) in keys.enumerated() {
            XCTAssertEqual(Update.handle(key, &state, size: size),
                           [.recordJudgment(Judgment(item: item, verdict: verdict, chosenFirst: session.chosenFirst(item)))])
        }
        XCTAssertEqual(state.screen, .judge)
        XCTAssertEqual(state.judge?.current, 4)
        XCTAssertEqual(state.judge?.progress, "3/12 judged, 1 tie, 1 skipped")
        XCTAssertEqual(state.judge?.pairRecords.count, 2)

        XCTAssertEqual(Update.handle(.char("u"), &state, size: size), [.rewriteJudgments])
        XCTAssertEqual(state.judge?.current, 3, "undo makes the skipped pair current again")
        XCTAssertEqual(Update.handle(.char("u"), &state, size: size), [.rewriteJudgments])
        XCTAssertEqual(Update.handle(.char("u"), &state, size: size), [.rewriteJudgments])
        XCTAssertEqual(state.judge?.pairRecords.count, 1)
        XCTAssertEqual(state.judge?.current, 1)

        XCTAssertEqual(Update.handle(.char("q"), &state, size: size), [], "q leaves the judge, it does not quit")
        XCTAssertEqual(state.screen, .runs)
        XCTAssertNil(state.judge)
        XCTAssertFalse(state.screens.contains(.judge))
    }

    func testADecisiveVerdictMakesAPairOfTheSideThePersonPicked() throws {
        var session = Fixtures.judgeSession()
        session.judgments = []
        let pair = session.pairs[0]
        let judgment = try XCTUnwrap(session.judge(.b))
        let record = try XCTUnwrap(session.pairRecord(judgment))
        // B is the source's rejected exactly when A is its chosen.
        let (picked, other) = session.chosenFirst(0) ? (pair.rejected, pair.chosen) : (pair.chosen, pair.rejected)
        XCTAssertEqual(record["chosen"] as? String, DataSnapshot.text(picked))
        XCTAssertEqual(record["rejected"] as? String, DataSnapshot.text(other))
        XCTAssertEqual(record["judge"] as? String, "human")
        XCTAssertEqual(judgment.agreesWithSource, !session.chosenFirst(0))
        XCTAssertNil(session.pairRecord(Judgment(item: 1, verdict: .tie, chosenFirst: true)))
    }

    func testTheOrderIsSeededPerItemSoAIsNotAlwaysTheChosen() {
        let session = Fixtures.judgeSession()
        let orders = session.pairs.indices.map(session.chosenFirst)
        XCTAssertTrue(orders.contains(true) && orders.contains(false), "\(orders)")
        XCTAssertEqual(Fixtures.judgeSession().pairs.indices.map(Fixtures.judgeSession().chosenFirst), orders, "the same on reopening")
        for index in session.pairs.indices {
            XCTAssertEqual(session.shown(index).a, orders[index] ? session.pairs[index].chosen : session.pairs[index].rejected)
        }
    }

    func testAgreementCountsDecisivePicksOfTheSourcesChosen() {
        var session = Fixtures.judgeSession()
        session.judgments = [
            Judgment(item: 0, verdict: .a, chosenFirst: true), Judgment(item: 1, verdict: .a, chosenFirst: false),
            Judgment(item: 2, verdict: .b, chosenFirst: false), Judgment(item: 3, verdict: .tie, chosenFirst: true),
            Judgment(item: 4, verdict: .skip, chosenFirst: false),
        ]
        XCTAssertEqual(session.agreement.agreed, 2)
        XCTAssertEqual(session.agreement.of, 3)
        XCTAssertEqual(session.current, 5)
    }

    func testResumeStartsAtTheFirstPairWithoutAVerdictReadFromTheJournal() {
        let records: [[String: Any]] = [
            ["item": 0, "verdict": "a", "shown_first": "rejected"], ["item": 1, "verdict": "skip", "shown_first": "chosen"],
            ["item": 2, "verdict": "maybe", "shown_first": "chosen"], ["item": 99, "verdict": "b", "shown_first": "chosen"],
        ]
        let judgments = records.compactMap(Judgment.init(record:))
        XCTAssertEqual(judgments.count, 3, "an unknown verdict is no judgment")
        let session = JudgeSession(source: "s.jsonl", pairs: Fixtures.judgeSession().pairs, judgments: judgments,
                                   files: JudgeFiles.beside("s.jsonl", outputDir: "out"), seed: 1, returnScreen: .data)
        XCTAssertEqual(session.judgments.count, 2, "a verdict on a pair the source no longer has is dropped")
        XCTAssertEqual(session.current, 2)
        XCTAssertEqual(session.judgments.map { $0.record["shown_first"] as? String }, ["rejected", "chosen"])
    }

    func testFilesGoBesideARunsPairsElseIntoOutputDir() {
        let run = JudgeFiles.beside("/r/online-1/generated_pairs.jsonl", outputDir: "/out")
        XCTAssertEqual(run.pairsPath, "/r/online-1/human_pairs.jsonl")
        XCTAssertEqual(run.journalPath, "/r/online-1/human_judgments.jsonl")
        XCTAssertEqual(JudgeFiles.beside("data/hh.jsonl", outputDir: "/out").pairsPath, "/out/human_pairs-hh.jsonl")
        XCTAssertEqual(JudgeFiles.beside("builtin:sentiment", outputDir: "/out").journalPath, "/out/human_judgments-builtin-sentiment.jsonl")
    }

    func testTheJudgesKeysReplaceTheGlobalHints() {
        let hints = KeyBindings.hints(on: .judge, readOnly: false).map(\.label)
        XCTAssertEqual(Array(hints.prefix(6)), ["A", "B", "tie", "skip", "undo", "back"])
        XCTAssertFalse(hints.contains("start") || hints.contains("quit"), "\(hints)")
        XCTAssertTrue(KeyBindings.hints(on: .runs, readOnly: false).map(\.label).contains("quit"))
    }

    // MARK: through the app and its files

    /// A finished run directory under `runs` with three generated pairs, as Online DPO writes them (for the tmux
    /// test too).
    static func makeRun(in runs: URL, pairs: Bool = true) throws -> URL {
        let experiment = try Experiment(yaml: EndToEndTests.tinyExperiment(outputDir: runs.path))
        let run = try RunDirectory.create(in: runs, name: "online")
        try experiment.yaml().write(to: run.configURL, atomically: true, encoding: .utf8)
        try run.writeStatus(RunStatus(state: .finished, pid: 1, heartbeat: 0, startedAt: 0, stage: .dpo, step: 2, totalSteps: 2, message: nil))
        guard pairs else { return run.url }
        for (index, (chosen, rejected)) in generated.enumerated() {
            try run.append(["step": 1, "prompt": "Review \(index + 1):", "chosen": chosen, "rejected": rejected,
                            "score_chosen": 0.9, "score_rejected": 0.2, "judge": "sentiment"], to: RunDirectory.generatedPairsFile)
        }
        return run.url
    }

    /// The fixture's (chosen, rejected) completions: each text appears once, so a screen shows which is where.
    static let generated = [(" a delight", " a bore"), (" moving", " empty"), (" sharp", " dull")]

    func makeRun(pairs: Bool = true) throws -> URL { try Self.makeRun(in: folder.appendingPathComponent("runs"), pairs: pairs) }

    func app() throws -> WorkbenchApp {
        var options = WorkbenchOptions(experiment: try Experiment(yaml: EndToEndTests.tinyExperiment(outputDir: folder.appendingPathComponent("runs").path)))
        options.runsDirectory = folder.appendingPathComponent("runs").path
        let app = WorkbenchApp(options: options, now: Date().timeIntervalSince1970)
        _ = app.tick(now: Date().timeIntervalSince1970)
        _ = app.handle(.char("3"), size: size)
        return app
    }

    func lines(_ url: URL) -> [[String: Any]] { (try? RunDirectory(url: url.deletingLastPathComponent()).records(url.lastPathComponent)) ?? [] }

    func testVerdictsAreSavedResumedAndUndoneAcrossRestartsAndTheFileLoadsAsADataset() throws {
        let run = try makeRun()
        let pairsFile = run.appendingPathComponent("human_pairs.jsonl"), journal = run.appendingPathComponent("human_judgments.jsonl")
        var workbench = try app()
        XCTAssertEqual(workbench.state.cursorRun?.path, run.path)
        _ = workbench.handle(.char("J"), size: size)
        XCTAssertEqual(workbench.state.screen, .judge, workbench.state.message?.text ?? "")
        let session = try XCTUnwrap(workbench.state.judge)
        for key in ["a", "b", "t"] { _ = workbench.handle(.char(Character(key)), size: size) }
        XCTAssertEqual(lines(journal).compactMap(Judgment.init(record:)).map(\.verdict), [.a, .b, .tie])
        XCTAssertEqual(lines(pairsFile).count, 2)

        // A new workbench resumes with every pair judged; undo reaches back past the restart.
        workbench = try app()
        _ = workbench.handle(.char("J"), size: size)
        XCTAssertEqual(workbench.state.judge?.current, nil, "all three pairs have a verdict")
        XCTAssertTrue(workbench.state.message?.text.contains("resumed: 3/3 judged, 1 tie, 0 skipped") ?? false, workbench.state.message?.text ?? "")
        _ = workbench.handle(.char("u"), size: size)
        XCTAssertEqual(lines(journal).count, 2)
        XCTAssertEqual(lines(pairsFile).count, 2, "a tie taken back leaves the pairs as they were")
        _ = workbench.handle(.char("u"), size: size)
        XCTAssertEqual(lines(pairsFile).count, 1)
        XCTAssertEqual(workbench.state.judge?.current, 1)

        // The first verdict's pair, read back by the loader a run uses, holds the side `a` showed as chosen.
        var experiment = workbench.state.experiment
        experiment.dataset = pairsFile.path
        let records = try ExperimentResolution(experiment).trainingRecords()
        XCTAssertEqual(records.format, .standard)
        guard case .pair(let pair) = try XCTUnwrap(records.records.first) else { return XCTFail("not a pair") }
        let source = session.pairs[0]
        XCTAssertEqual(pair.chosen, session.chosenFirst(0) ? source.chosen : source.rejected)
        XCTAssertEqual(pair.prompt, source.prompt)
        let dataset = try PreferenceDataset.tokenize(records.records, file: pairsFile.path, format: records.format, encoder: ByteEncoder(),
                                                     settings: DatasetSettings())
        XCTAssertEqual(dataset.pairs.count, 1)
    }

    /// A crash between the journal's append and the pairs file's leaves the journal right; opening writes the
    /// pairs again from it.
    func testOpeningRepairsAPairsFileThatDisagreesWithTheJournal() throws {
        let run = try makeRun()
        var workbench = try app()
        _ = workbench.handle(.char("J"), size: size)
        _ = workbench.handle(.char("a"), size: size)
        let pairsFile = run.appendingPathComponent("human_pairs.jsonl")
        try Data().write(to: pairsFile)
        workbench = try app()
        _ = workbench.handle(.char("J"), size: size)
        XCTAssertEqual(lines(pairsFile).count, 1)
    }

    func testARunWithoutGeneratedPairsSaysSo() throws {
        _ = try makeRun(pairs: false)
        let workbench = try app()
        for key in ["d", "J"] {
            _ = workbench.handle(.char(Character(key)), size: size)
            XCTAssertEqual(workbench.state.screen, .runs)
            let message = try XCTUnwrap(workbench.state.message)
            XCTAssertTrue(message.isError && message.text.contains("has no generated pairs"), message.text)
        }
    }

    /// `d` shows the run's pairs on the Data screen, counted with the run's truncation, each with its judge and
    /// scores; Esc goes back to the experiment's dataset.
    func testGeneratedPairsOpenOnTheDataScreen() throws {
        let run = try makeRun()
        let workbench = try app()
        _ = workbench.handle(.char("d"), size: size)
        let file = run.appendingPathComponent(RunDirectory.generatedPairsFile).path
        XCTAssertEqual(workbench.state.screen, .data)
        XCTAssertEqual(workbench.state.data.file, file)
        let deadline = Date().addingTimeInterval(60)
        while workbench.state.data.snapshot?.name != file, !workbench.state.data.failed, Date() < deadline {
            _ = workbench.tick(now: Date().timeIntervalSince1970)
            Thread.sleep(forTimeInterval: 0.02)
        }
        let snapshot = try XCTUnwrap(workbench.state.data.snapshot, workbench.state.data.status ?? "")
        XCTAssertEqual(snapshot.pairs.count, 3)
        XCTAssertEqual(snapshot.pairs[1].annotation, PairAnnotation(judge: "sentiment", scoreChosen: 0.9, scoreRejected: 0.2))
        XCTAssertEqual(snapshot.unit, "bytes", "no vocabulary is trained on the generated pairs")
        XCTAssertTrue(workbench.frame(size: size).lines.joined().contains("judge sentiment"))
        _ = workbench.handle(.escape, size: size)
        XCTAssertNil(workbench.state.data.file)
    }

    /// `dpo judge`, the headless judge: verdicts from standard input, the same journal and pairs as the screen.
    func testDpoJudgeReadsVerdictsFromStandardInput() throws {
        let run = try makeRun()
        let source = run.appendingPathComponent(RunDirectory.generatedPairsFile).path
        let out = folder.appendingPathComponent("mine.jsonl")
        let result = try DPOProcess.shell("printf 'b\\nwhat\\nt\\ns\\n' | '\(DPOProcess.binary.path)' judge '\(source)' --out '\(out.path)'")
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("2/3 judged, 1 tie, 1 skipped"), result.output)
        XCTAssertTrue(result.output.contains("answer a (or 1), b (or 2)"), "an unknown answer is refused: \(result.output)")
        let journal = lines(folder.appendingPathComponent("mine.judgments.jsonl")).compactMap(Judgment.init(record:))
        XCTAssertEqual(journal.map(\.verdict), [.b, .tie, .skip])
        let loaded = try RecordLoader.load(contentsOf: out)
        guard loaded.records.count == 1, case .pair(let pair) = loaded.records[0] else { return XCTFail("\(loaded.records)") }
        // b picked the completion shown second: the source's rejected when its chosen was shown first.
        let (chosen, rejected) = Self.generated[0]
        XCTAssertEqual(pair.chosen, .text(journal[0].chosenFirst ? rejected : chosen))
    }
}
