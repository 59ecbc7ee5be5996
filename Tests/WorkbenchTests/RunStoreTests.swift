import Foundation
import TestSupport
import Training
import XCTest
@testable import Workbench

final class RunStoreTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryDirectory("workbench") }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testTailReadsOnlyNewCompleteLinesAndNoticesRewrites() throws {
        let url = folder.appendingPathComponent("metrics.jsonl")
        var tail = JSONLTail()
        XCTAssertTrue(tail.read(url).lines.isEmpty)
        try "{\"step\":1}\n{\"step\":2}\n{\"st".write(to: url, atomically: true, encoding: .utf8)
        var (lines, reset) = tail.read(url)
        XCTAssertEqual(lines, ["{\"step\":1}", "{\"step\":2}"])
        XCTAssertFalse(reset)
        // Replaced atomically with one more line, as the trainer does: only the new line is read.
        try "{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n".write(to: url, atomically: true, encoding: .utf8)
        (lines, reset) = tail.read(url)
        XCTAssertEqual(lines, ["{\"step\":3}"])
        XCTAssertFalse(reset)
        XCTAssertTrue(tail.read(url).lines.isEmpty, "unchanged file, nothing read")
        // A resumed run drops lines after its checkpoint, then logs again: longer than before, other content.
        try "{\"step\":1}\n{\"step\":2}\n{\"step\":3,\"x\":1}\n{\"step\":4}\n".write(to: url, atomically: true, encoding: .utf8)
        (lines, reset) = tail.read(url)
        XCTAssertTrue(reset)
        XCTAssertEqual(lines.count, 4)
        try "{\"step\":1}\n".write(to: url, atomically: true, encoding: .utf8)
        (lines, reset) = tail.read(url)
        XCTAssertTrue(reset)
        XCTAssertEqual(lines, ["{\"step\":1}"])
    }

    /// A TRL output directory beside our runs: its event files (PyTorch's writer's golden file, then records
    /// appended as a trainer would, one torn) become a run with TRL's metric names, read from where it left off.
    func testStoreFollowsATRLOutputDirectoryAsItsEventFilesGrow() throws {
        let events = folder.appendingPathComponent("trl-dpo/runs/Dec03_10-00-00_host")
        try FileManager.default.createDirectory(at: events, withIntermediateDirectories: true)
        let file = events.appendingPathComponent("events.out.tfevents.1767225600.host.1.0")
        let golden = try Data(contentsOf: RepositoryPaths.fixture("tensorboard/events.out.tfevents.golden"))
        try golden.write(to: file)
        let store = RunStore(root: folder)
        let now = Date().timeIntervalSince1970
        XCTAssertTrue(store.poll(now: now, focus: nil))
        let path = folder.appendingPathComponent("trl-dpo").standardizedFileURL.path
        var run = try XCTUnwrap(store.runs[path])
        XCTAssertEqual(run.metrics.steps, [1, 2, 300])
        XCTAssertEqual(run.eval.steps, [2])
        XCTAssertEqual(run.eval.last("eval_rewards/accuracies"), 0.5)
        XCTAssertEqual(run.status?.state, .running, "its files just changed")
        XCTAssertEqual(run.stateLabel, "running")

        let next = TFRecord.frame(TensorBoardEvent(wallTime: now, step: 301, content: .scalars([.init("train/loss", 0.125)])).encoded())
        let torn = TFRecord.frame(TensorBoardEvent(wallTime: now, step: 302, content: .scalars([.init("train/loss", 0.0625)])).encoded())
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(next + torn.prefix(10)))
        XCTAssertTrue(store.poll(now: now, focus: nil))
        run = try XCTUnwrap(store.runs[path])
        XCTAssertEqual(run.metrics.steps.last, 301)
        XCTAssertEqual(run.metrics.last("loss"), 0.125)
        try handle.write(contentsOf: Data(torn.dropFirst(10)))
        try handle.close()
        XCTAssertTrue(store.poll(now: now, focus: nil))
        XCTAssertEqual(store.runs[path]?.metrics.steps.last, 302, "the torn record is read once whole")
        XCTAssertEqual(store.poll(now: now + 3600, focus: nil), true)
        XCTAssertEqual(store.runs[path]?.status?.state, .stopped, "quiet for an hour, without the final trainer_state.json")
    }

    func testStoreFollowsARunWrittenByAnotherProcess() throws {
        var experiment = Experiment()
        experiment.loss.beta = 0.3
        let run = try RunDirectory.create(in: folder, name: "sigmoid-beta0.3")
        try run.writeConfig(experiment)
        let now = Date().timeIntervalSince1970
        try run.writeStatus(RunStatus(state: .running, pid: getpid(), heartbeat: now, startedAt: now, stage: .dpo, step: 1, totalSteps: 10))
        try run.append(["step": 1, "loss": 0.69, "rewards/accuracies": 1, "time": now], to: RunDirectory.metricsFile)
        let store = RunStore(root: folder)
        XCTAssertTrue(store.poll(now: now, focus: nil))
        var info = try XCTUnwrap(store.runs[run.url.standardizedFileURL.path])
        XCTAssertEqual(info.beta, 0.3)
        XCTAssertEqual(info.metrics.count, 1)
        XCTAssertEqual(info.metrics.last("rewards/accuracies"), 1)
        XCTAssertFalse(store.poll(now: now, focus: nil), "nothing changed, nothing to redraw")
        try run.append(["step": 2, "loss": 0.6, "time": now + 1], to: RunDirectory.metricsFile)
        try run.append(["step": 2, "eval_loss": 0.65], to: RunDirectory.evalFile)
        XCTAssertTrue(store.poll(now: now + 1, focus: nil))
        info = store.runs[run.url.standardizedFileURL.path]!
        XCTAssertEqual(info.metrics.steps, [1, 2])
        XCTAssertEqual(info.eval.last("eval_loss"), 0.65)
        XCTAssertFalse(info.lost)
        XCTAssertNil(info.latestCheckpoint)
        let checkpoint = run.checkpointsURL.appendingPathComponent("step-2")
        try FileManager.default.createDirectory(at: checkpoint, withIntermediateDirectories: true)
        try Data(#"{"stage": "dpo", "step": 2, "total_steps": 10, "optimizer_step": 2}"#.utf8)
            .write(to: checkpoint.appendingPathComponent("trainer_state.json"))
        Thread.sleep(forTimeInterval: 0.02)
        try run.writeStatus(RunStatus(state: .running, pid: getpid(), heartbeat: now + 2, startedAt: now, stage: .dpo, step: 2, totalSteps: 10))
        XCTAssertTrue(store.poll(now: now + 2, focus: nil))
        XCTAssertEqual(store.runs[run.url.standardizedFileURL.path]?.latestCheckpoint, checkpoint.path, "what C warm-starts from")
    }

    func testRunWhoseProcessDiedIsLost() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        let dead = process.processIdentifier
        let run = try RunDirectory.create(in: folder, name: "orphan")
        let now = Date().timeIntervalSince1970
        try run.writeStatus(RunStatus(state: .running, pid: dead, heartbeat: now - 120, startedAt: now - 200, stage: .dpo, step: 5, totalSteps: 10))
        let store = RunStore(root: folder)
        store.poll(now: now, focus: nil)
        let info = try XCTUnwrap(store.runs.values.first)
        XCTAssertTrue(info.lost)
        XCTAssertEqual(info.stateLabel, "lost")
        XCTAssertFalse(info.isActive)
    }

    func testMetricTableIgnoresRowsItHasAndFillsGaps() {
        var table = MetricTable()
        table.append(["step": 1, "loss": 1])
        table.append(["step": 2, "loss": 0.9, "grad_norm": 2])
        table.append(["step": 2, "loss": 0.5])
        table.append(["step": 3, "grad_norm": 1])
        XCTAssertEqual(table.steps, [1, 2, 3])
        XCTAssertEqual(table.column("loss")?.prefix(2), [1, 0.9])
        XCTAssertTrue(table.column("loss")![2].isNaN)
        XCTAssertTrue(table.column("grad_norm")![0].isNaN)
        XCTAssertEqual(table.last("loss"), 0.9)
    }

    /// A real (tiny) run started with `s`, training on the workbench's thread while ticks drain its events.
    func testStartTrainsOnABackgroundThreadAndEventsReachTheScreen() throws {
        var experiment = try Experiment(yaml: EndToEndTests.tinyExperiment(outputDir: folder.path))
        experiment.maxSteps = 6
        experiment.evalSteps = 0
        let app = WorkbenchApp(options: WorkbenchOptions(experiment: experiment), now: Date().timeIntervalSince1970)
        _ = app.tick(now: Date().timeIntervalSince1970)
        XCTAssertEqual(app.handle(.char("s"), size: Size(width: 120, height: 40)), .continue)
        XCTAssertEqual(app.state.runs.first?.stateLabel, "queued")
        let deadline = Date().addingTimeInterval(120)
        var sawLiveStep = false
        while Date() < deadline {
            _ = app.tick(now: Date().timeIntervalSince1970)
            if let run = app.state.runs.first, run.status?.stage == .dpo, run.metrics.count > 0, run.status?.state == .running { sawLiveStep = true }
            if app.state.runs.first?.status?.state == .finished, app.launcher.active.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let run = try XCTUnwrap(app.state.runs.first)
        XCTAssertEqual(run.status?.state, .finished, "\(run.status as Any)")
        XCTAssertEqual(run.metrics.steps, [1, 2, 3, 4, 5, 6])
        XCTAssertTrue(sawLiveStep)
        XCTAssertFalse(run.ownedHere, "an ended run is released")
        let frame = app.frame(size: Size(width: 120, height: 40))
        XCTAssertTrue(frame.lines.joined().contains("finished"))
    }

    /// `r` on a stopped run that another trainer holds (here this test, through the run's lock) is refused with a
    /// message naming the holder, and the run directory is left as it was.
    func testResumeOfARunHeldByAnotherTrainerIsRefusedNamingIt() throws {
        var experiment = try Experiment(yaml: EndToEndTests.tinyExperiment(outputDir: folder.path))
        experiment.maxSteps = 4
        let control = RunControl()
        control.requestStop()
        let session = try TrainingSession.create(experiment, control: control, emit: { _ in })
        XCTAssertEqual(session.execute(), .stopped)
        let lock = try RunLock.acquire(session.run)
        defer { lock.release() }
        let metricsBefore = try? Data(contentsOf: session.run.url.appendingPathComponent(RunDirectory.metricsFile))

        var options = WorkbenchOptions(experiment: experiment)
        options.runsDirectory = folder.path
        let app = WorkbenchApp(options: options, now: Date().timeIntervalSince1970)
        let size = Size(width: 120, height: 40)
        _ = app.tick(now: Date().timeIntervalSince1970)
        _ = app.handle(.char("3"), size: size)
        XCTAssertEqual(app.state.cursorRun?.status?.state, .stopped)
        _ = app.handle(.char("r"), size: size)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !(app.state.message?.text.contains("did not start") ?? false) {
            _ = app.tick(now: Date().timeIntervalSince1970)
            Thread.sleep(forTimeInterval: 0.02)
        }
        let message = try XCTUnwrap(app.state.message)
        XCTAssertTrue(message.isError)
        XCTAssertTrue(message.text.contains("being trained by this process (\(getpid()))"), message.text)
        XCTAssertEqual(session.run.readStatus()?.state, .stopped)
        XCTAssertEqual(try? Data(contentsOf: session.run.url.appendingPathComponent(RunDirectory.metricsFile)), metricsBefore)
    }

    /// The Data screen and the run it starts resolve the experiment the same way: builtin:tiny's vocabulary is
    /// trained once, by whichever comes first, and the other reads it from output_dir's tokenizer cache.
    func testTheDataScreenAndItsRunShareOneTrainedTokenizer() throws {
        var experiment = try Experiment(yaml: EndToEndTests.tinyExperiment(outputDir: folder.path))
        experiment.maxSteps = 2
        var messages: [String] = []
        let snapshot = try DataLoader.snapshot(experiment) { messages.append($0) }
        XCTAssertTrue(messages.contains { $0.hasPrefix("training the") }, "\(messages)")
        XCTAssertTrue(snapshot.tokenizer.contains("trained on"), snapshot.tokenizer)
        let session = try TrainingSession.create(experiment, control: RunControl(), emit: { _ in })
        XCTAssertEqual(session.execute(), .finished)
        let log = try String(contentsOf: session.run.url.appendingPathComponent(RunDirectory.logFile), encoding: .utf8)
        XCTAssertTrue(log.contains("tokenizer: builtin:tiny's") && log.contains("(cache "), log)
        XCTAssertFalse(log.contains("trained on"), "the run trained the vocabulary again: \(log)")
        messages = []
        let again = try DataLoader.snapshot(experiment) { messages.append($0) }
        XCTAssertFalse(messages.contains { $0.hasPrefix("training the") }, "\(messages)")
        XCTAssertEqual(again.pairs, snapshot.pairs, "the same tokens either way")
    }
}
