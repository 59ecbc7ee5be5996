import Foundation
import TestSupport
import XCTest
@testable import Training

/// One trainer per run directory: a live run, a run being resumed and a finished run refuse another trainer, with
/// a message naming the owner; run directories started together never share a name.
final class RunOwnershipTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("dpo-owner") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func writeExperiment(maxSteps: Int) throws {
        try """
            output_dir: runs
            builtin: {train_pairs: 32, eval_pairs: 4}
            tiny: {vocab_size: 300, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32}
            sft: {max_steps: 2, batch_size: 4}
            per_device_train_batch_size: 4
            max_steps: \(maxSteps)
            max_length: 48
            max_prompt_length: 16
            save_steps: 1000
            eval_steps: 0
            samples: {prompts: 0}
            """.write(to: directory.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
    }

    /// The run directories under `runs/` (none while the trainer is still creating its own).
    private func runs() -> [RunDirectory] {
        runFolders(in: directory.appendingPathComponent("runs")).map(RunDirectory.init(url:))
    }

    private func onlyRun() throws -> RunDirectory {
        let all = runs()
        XCTAssertEqual(all.count, 1, "\(all.map(\.url.lastPathComponent))")
        return try XCTUnwrap(all.first)
    }

    /// Waits until the run's status says it trains DPO steps.
    private func waitForTraining(_ process: Process) throws -> RunDirectory {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning {
            if let run = runs().first, let status = run.readStatus(), status.stage == .dpo, status.step > 0 { return run }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestSupportError("the run never reached a DPO step")
    }

    func testTheLockRefusesASecondHolderInThisProcessAndIsFreeAfterRelease() throws {
        let run = RunDirectory(url: directory)
        let lock = try RunLock.acquire(run)
        XCTAssertThrowsError(try RunLock.acquire(run)) { error in
            XCTAssertEqual(error as? RunLockError, .held(run: directory.path, pid: getpid()))
            XCTAssertTrue("\(error)".contains("this process (\(getpid()))"), "\(error)")
        }
        lock.release()
        XCTAssertNoThrow(try RunLock.acquire(run))
    }

    func testRunDirectoriesCreatedTogetherNeverCollide() throws {
        final class Paths: @unchecked Sendable {
            let lock = NSLock()
            var created: Set<String> = []
        }
        let paths = Paths(), parent: URL = directory
        DispatchQueue.concurrentPerform(iterations: 24) { _ in
            guard let run = try? RunDirectory.create(in: parent, name: "same") else { return }
            paths.lock.withLock { _ = paths.created.insert(run.url.path) }
        }
        XCTAssertEqual(paths.created.count, 24)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).count, 24)
    }

    func testResumeOfALiveRunIsRefusedNamingItsProcess() throws {
        try writeExperiment(maxSteps: 5000)
        let live = try DPOProcess.launch(["train", "tiny.yaml"], in: directory)
        defer { if live.isRunning { live.terminate(); live.waitUntilExit() } }
        let run = try waitForTraining(live)
        let second = try DPOProcess.run(["train", "--resume", run.url.path], in: directory)
        XCTAssertNotEqual(second.status, 0)
        XCTAssertTrue(second.output.contains("being trained by process \(live.processIdentifier)"), second.output)
        XCTAssertEqual(run.readStatus()?.state, .running, "the refused resume must not touch the live run's status")
        XCTAssertEqual(run.readStatus()?.pid, live.processIdentifier)
        kill(live.processIdentifier, SIGTERM)
        live.waitUntilExit()
        XCTAssertEqual(live.terminationStatus, 3)
        XCTAssertEqual(run.readStatus()?.state, .stopped)
    }

    func testOfTwoConcurrentResumesOneTrainsAndTheOtherIsRefused() throws {
        try writeExperiment(maxSteps: 60)
        let first = try DPOProcess.launch(["train", "tiny.yaml"], in: directory)
        let run = try waitForTraining(first)
        kill(first.processIdentifier, SIGTERM)
        first.waitUntilExit()
        XCTAssertEqual(run.readStatus()?.state, .stopped)
        let stoppedAt = try XCTUnwrap(Checkpoint.latest(in: run)).state.step

        let outputs = (0..<2).map { directory.appendingPathComponent("resume-\($0).txt") }
        let resumes = try outputs.map { try DPOProcess.launch(["train", "--resume", run.url.path], in: directory, output: $0) }
        resumes.forEach { $0.waitUntilExit() }
        let statuses = resumes.map(\.terminationStatus)
        let texts = try outputs.map { try String(contentsOf: $0, encoding: .utf8) }
        XCTAssertEqual(statuses.filter { $0 == 0 }.count, 1, "\(statuses): \(texts)")
        let refused = try XCTUnwrap(statuses.firstIndex { $0 != 0 })
        let winner = resumes[1 - refused].processIdentifier
        XCTAssertTrue(texts[refused].contains("being trained by process \(winner)") || texts[refused].contains("has finished"),
                      texts[refused])
        XCTAssertEqual(run.readStatus()?.state, .finished)
        let steps = try run.records(RunDirectory.metricsFile).compactMap { ($0["step"] as? NSNumber)?.intValue }
        XCTAssertEqual(steps, Array(1...60), "resumed after step \(stoppedAt): every step exactly once")
    }

    func testResumeOfAFinishedRunNeedsForce() throws {
        try writeExperiment(maxSteps: 6)
        XCTAssertEqual(try DPOProcess.run(["train", "tiny.yaml", "--set", "save_steps=4"], in: directory).status, 0)
        let run = try onlyRun()
        let refused = try DPOProcess.run(["train", "--resume", run.url.path], in: directory)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("has finished") && refused.output.contains("--force"), refused.output)
        let forced = try DPOProcess.run(["train", "--resume", run.url.path, "--force"], in: directory)
        XCTAssertEqual(forced.status, 0, forced.output)
        XCTAssertTrue(forced.output.contains("resuming after step 4"), forced.output)
        let steps = try run.records(RunDirectory.metricsFile).compactMap { ($0["step"] as? NSNumber)?.intValue }
        XCTAssertEqual(steps, Array(1...6))
    }
}
