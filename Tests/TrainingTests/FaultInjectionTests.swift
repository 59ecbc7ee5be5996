import Determinism
import Foundation
import Kernels
import TestSupport
import XCTest
@testable import Training

/// The real `dpo` binary killed with SIGKILL (a power cut, the OOM killer) in every stage of a run, then resumed
/// with `dpo train --resume`: every journal of the resumed run equals an uninterrupted run's line for line
/// (timings aside), and its status names the stage and step it reached. Deterministic kills come from
/// `DPO_FAULT=point:n` (see `FaultPoint`); random ones from a seeded delay after the process starts.
final class FaultInjectionTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory("dpo-fault") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// SFT, a reference pass, evaluations at steps 6, 12 and 18 and checkpoints at 8 and 16 (and at 12 with
    /// `save_steps=6`, to put an evaluation and a checkpoint on the same step).
    static let experiment = """
        builtin: {train_pairs: 48, eval_pairs: 12}
        tiny: {vocab_size: 320, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32}
        sft: {max_steps: 4, batch_size: 4}
        per_device_train_batch_size: 4
        per_device_eval_batch_size: 4
        max_steps: 20
        max_length: 64
        max_prompt_length: 24
        learning_rate: 0.001
        save_steps: 8
        eval_steps: 6
        samples: {prompts: 2, max_new_tokens: 4}
        """

    /// Journals whose lines must match, and the keys that measure time rather than training.
    static let journals = [RunDirectory.sftMetricsFile, RunDirectory.metricsFile, RunDirectory.evalFile, RunDirectory.samplesFile,
                           RunDirectory.generatedPairsFile, RunDirectory.sppoRoundsFile]
    static let timings: Set<String> = ["time", "tokens_per_s", "pairs_per_s"]

    /// A run of `experiment` in its own output folder (so no run shares another's SFT or reference cache).
    private func train(_ name: String, _ overrides: [String] = [], fault: String? = nil) throws -> (status: Int32, run: RunDirectory?) {
        let folder = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.experiment.write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let result = try DPOProcess.run(["train", "tiny.yaml", "--set", "output_dir=runs"] + overrides.flatMap { ["--set", $0] },
                                        in: folder, environment: fault.map { ["DPO_FAULT": $0] } ?? [:])
        return (result.status, runDirectory(in: folder))
    }

    private func runDirectory(in folder: URL) -> RunDirectory? {
        runFolders(in: folder.appendingPathComponent("runs")).first.map(RunDirectory.init(url:))
    }

    private func resume(_ run: RunDirectory) throws -> (status: Int32, output: String) {
        try DPOProcess.run(["train", "--resume", run.url.path], in: run.url.deletingLastPathComponent())
    }

    /// Each journal's records with timings removed, as comparable text.
    private func contents(_ run: RunDirectory) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for file in Self.journals {
            result[file] = try run.records(file).map { record in
                let kept = record.filter { !Self.timings.contains($0.key) }
                return String(decoding: try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        return result
    }

    private func assertSameJournals(_ actual: RunDirectory, _ expected: [String: [String]], _ label: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let got = try contents(actual)
        for name in Self.journals {
            let a = got[name] ?? [], b = expected[name] ?? []
            XCTAssertEqual(a.count, b.count, "\(label): \(name) has \(a.count) lines, the uninterrupted run \(b.count)", file: file, line: line)
            for (index, (x, y)) in zip(a, b).enumerated() where x != y {
                XCTFail("\(label): \(name) line \(index + 1) differs:\n  \(x)\n  \(y)", file: file, line: line)
                break
            }
        }
    }

    func testKilledAtEveryStageResumesToTheUninterruptedRun() throws {
        let whole = try train("whole")
        XCTAssertEqual(whole.status, 0)
        let expected = try contents(try XCTUnwrap(whole.run))
        XCTAssertEqual(expected[RunDirectory.sftMetricsFile]?.count, 4)
        XCTAssertEqual(expected[RunDirectory.metricsFile]?.count, 20)
        XCTAssertEqual(expected[RunDirectory.evalFile]?.count, 4, "evaluations at steps 6, 12, 18 and 20")

        // (fault, the stage status.json must name after the kill)
        let faults: [(String, Stage)] = [
            ("prepare:0", .prepare), ("sft:2", .sft), ("sft:4", .sft), ("reference:1", .reference),
            ("step:3", .dpo), ("eval:6", .dpo), ("checkpoint:8", .dpo), ("step:10", .dpo), ("final:20", .dpo),
        ]
        for (fault, stage) in faults {
            let killed = try train(fault.replacingOccurrences(of: ":", with: "-"), fault: fault)
            XCTAssertEqual(killed.status, 128 + SIGKILL, "\(fault): the process was not killed at its fault point")
            let run = try XCTUnwrap(killed.run, fault)
            XCTAssertEqual(run.readStatus()?.stage, stage, "\(fault): \(String(describing: run.readStatus()))")
            let resumed = try resume(run)
            XCTAssertEqual(resumed.status, 0, "\(fault): \(resumed.output)")
            XCTAssertEqual(run.readStatus()?.state, .finished, fault)
            XCTAssertEqual(run.readStatus()?.step, 20, fault)
            try assertSameJournals(run, expected, fault)
        }
    }

    /// An evaluation and a checkpoint on the same step (12): killed between them, the evaluation is logged but
    /// the newest checkpoint is step 6, so resume must drop that evaluation and its samples and run them again.
    func testKilledBetweenAnEvaluationAndItsCheckpointLogsTheEvaluationOnce() throws {
        let whole = try train("whole", ["save_steps=6"])
        XCTAssertEqual(whole.status, 0)
        let expected = try contents(try XCTUnwrap(whole.run))
        let killed = try train("eval-12", ["save_steps=6"], fault: "eval:12")
        XCTAssertEqual(killed.status, 128 + SIGKILL)
        let run = try XCTUnwrap(killed.run)
        XCTAssertEqual(Checkpoint.latest(in: run)?.state.step, 6)
        XCTAssertEqual(try run.records(RunDirectory.evalFile).last?["step"] as? Int, 12, "the evaluation of step 12 was logged")
        XCTAssertEqual(try resume(run).status, 0)
        try assertSameJournals(run, expected, "eval:12")
    }

    /// Online DPO killed mid-run (between checkpoints 8 and 16) resumes to the same pairs, metrics and evaluations:
    /// its sampling is seeded by the micro-batch, and its reference model is rebuilt from the SFT model.
    func testOnlineDPOKilledResumesToTheUninterruptedRun() throws {
        let online = ["online.enabled=true", "online.max_new_tokens=8"]
        let whole = try train("whole", online)
        XCTAssertEqual(whole.status, 0)
        let expected = try contents(try XCTUnwrap(whole.run))
        XCTAssertEqual(expected[RunDirectory.generatedPairsFile]?.count, 20 * 4, "4 judged pairs a step")
        let killed = try train("online-step-11", online, fault: "step:11")
        XCTAssertEqual(killed.status, 128 + SIGKILL)
        let run = try XCTUnwrap(killed.run)
        XCTAssertEqual(try resume(run).status, 0)
        try assertSameJournals(run, expected, "online step:11")
    }

    /// SPPO (rounds of 6 steps, checkpoint at 8) killed in round 1 and at round 2's first step, both before any
    /// checkpoint (the resume starts afresh and must make the same rounds), and at step 10, after the checkpoint
    /// (the resume needs round 2's pairs and reference from the run): each ends as the uninterrupted run. The
    /// judge is a finished DPO run's implicit reward, which scores even this tiny model's babble (the sentiment
    /// lexicon finds no words in it and would make every win probability ½).
    func testSPPOKilledInEachRoundResumesToTheUninterruptedRun() throws {
        let judgeRun = try XCTUnwrap(try train("judge").run)
        let sppo = ["loss_type=sppo", "beta=0.5", "sppo.iterations=2", "sppo.prompts=24", "sppo.samples=3",
                    "sppo.max_new_tokens=6", "max_steps=6", "sppo.judge=implicit_reward:\(judgeRun.url.path)"]
        let whole = try train("whole", sppo)
        XCTAssertEqual(whole.status, 0)
        let expected = try contents(try XCTUnwrap(whole.run))
        XCTAssertEqual(expected[RunDirectory.metricsFile]?.count, 12, "two rounds of max_steps 6")
        XCTAssertEqual(expected[RunDirectory.generatedPairsFile]?.count, 2 * 24)
        XCTAssertEqual(expected[RunDirectory.sppoRoundsFile]?.count, 2)
        let losses = try XCTUnwrap(whole.run).records(RunDirectory.metricsFile).compactMap { $0["loss"] as? Double }
        XCTAssertGreaterThan(losses.min() ?? 0, 0, "every win probability was ½: the judge saw no difference")
        for fault in ["step:4", "step:7", "step:10"] {
            let killed = try train("sppo-\(fault.replacingOccurrences(of: ":", with: "-"))", sppo, fault: fault)
            XCTAssertEqual(killed.status, 128 + SIGKILL, fault)
            let run = try XCTUnwrap(killed.run)
            let resumed = try resume(run)
            XCTAssertEqual(resumed.status, 0, "\(fault): \(resumed.output)")
            try assertSameJournals(run, expected, "sppo \(fault)")
        }
    }

    /// SIGKILL after a seeded random delay within the length of a whole run, three times over one run (each
    /// attempt resuming the last), then a final resume to the end.
    func testKilledAtRandomMomentsResumesToTheUninterruptedRun() throws {
        let started = Date()
        let whole = try train("whole")
        let duration = Date().timeIntervalSince(started)
        XCTAssertEqual(whole.status, 0)
        let expected = try contents(try XCTUnwrap(whole.run))

        var random = SeededGenerator(seed: testSeed(#function, default: 0xFA17))
        let folder = directory.appendingPathComponent("random")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.experiment.write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        var run: RunDirectory?
        for attempt in 0..<3 {
            let arguments = run.map { ["train", "--resume", $0.url.path] } ?? ["train", "tiny.yaml", "--set", "output_dir=runs"]
            let process = try DPOProcess.launch(arguments, in: folder)
            let delay = duration * Double(0.1 + 0.8 * random.nextUniform())
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            run = run ?? runDirectory(in: folder)
            print("random kill \(attempt + 1) after \(String(format: "%.2f", delay)) s: \(run?.readStatus().map { "\($0.stage) \($0.step)" } ?? "no run yet")")
        }
        let stopped = try XCTUnwrap(run, "no run directory after three attempts")
        if stopped.readStatus()?.state != .finished {
            let resumed = try resume(stopped)
            XCTAssertEqual(resumed.status, 0, resumed.output)
        }
        XCTAssertEqual(stopped.readStatus()?.state, .finished)
        try assertSameJournals(stopped, expected, "random kills")
    }

    /// A 3 MB tmpfs fills up during the run (a 460 KB model, its SFT copy and cache, checkpoints with optimizer
    /// moments): the run fails with a message that says the disk is full and names the file, leaves every file
    /// of its directory readable, and once there is room again it resumes to exactly the uninterrupted run.
    func testAFullDiskFailsCleanlyAndTheRunResumesOnceThereIsRoom() throws {
        let model = ["tiny.vocab_size=512", "tiny.hidden_size=64", "tiny.num_hidden_layers=2", "tiny.num_attention_heads=4",
                     "tiny.intermediate_size=128", "save_steps=4"]
        let whole = try train("whole", model)
        XCTAssertEqual(whole.status, 0)
        let expected = try contents(try XCTUnwrap(whole.run))

        let folder = directory.appendingPathComponent("full")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let mount = try DPOProcess.shell("mount -t tmpfs -o size=3m dpo-full-disk '\(folder.path)'")
        XCTAssertEqual(mount.status, 0, "a tmpfs is needed for the disk-full test (root): \(mount.output)")
        guard mount.status == 0 else { return }
        defer { _ = try? DPOProcess.shell("umount '\(folder.path)'") }
        try Self.experiment.write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let failed = try DPOProcess.run(["train", "tiny.yaml", "--set", "output_dir=runs"] + model.flatMap { ["--set", $0] }, in: folder)
        XCTAssertEqual(failed.status, 1, failed.output)
        XCTAssertTrue(failed.output.contains("disk full writing \(folder.path)/runs/"), failed.output)
        XCTAssertFalse(failed.output.contains("NSCocoaErrorDomain"), failed.output)
        let run = try XCTUnwrap(runDirectory(in: folder))
        XCTAssertNotNil(run.readStatus(), "status.json must stay readable")
        for file in Self.journals { XCTAssertNoThrow(try run.records(file), file) }

        XCTAssertEqual(try DPOProcess.shell("mount -o remount,size=64m '\(folder.path)'").status, 0)
        let resumed = try resume(run)
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertEqual(run.readStatus()?.state, .finished)
        try assertSameJournals(run, expected, "disk full")
    }
}
