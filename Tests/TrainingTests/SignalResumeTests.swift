import Foundation
import TestSupport
import XCTest
@testable import Training

/// The real `dpo` binary stopped by SIGTERM mid-run, then resumed: the run directory stays consistent and the
/// resumed run ends with exactly the metrics of an uninterrupted one.
final class SignalResumeTests: XCTestCase {
    private func launch(_ arguments: [String], in directory: URL) throws -> Process {
        try DPOProcess.launch(arguments, in: directory)
    }

    private func runDirectory(named prefix: String, in directory: URL) -> RunDirectory? {
        runFolders(in: directory.appendingPathComponent("runs")).first { $0.lastPathComponent.hasPrefix(prefix) }
            .map(RunDirectory.init(url:))
    }

    func testSIGTERMCheckpointsAndResumeMatchesAnUninterruptedRun() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpo-signal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let experiment = """
            output_dir: runs
            builtin: {train_pairs: 64, eval_pairs: 8}
            tiny: {vocab_size: 320, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32}
            sft: {max_steps: 3, batch_size: 4}
            per_device_train_batch_size: 4
            max_steps: 40
            max_length: 64
            max_prompt_length: 24
            learning_rate: 0.001
            save_steps: 1000
            eval_steps: 0
            samples: {prompts: 0}
            """
        try experiment.write(to: directory.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)

        let whole = try launch(["train", "tiny.yaml", "--set", "run_name=whole"], in: directory)
        whole.waitUntilExit()
        XCTAssertEqual(whole.terminationStatus, 0)

        let parts = try launch(["train", "tiny.yaml", "--set", "run_name=parts"], in: directory)
        var run: RunDirectory?
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, parts.isRunning {
            if run == nil { run = runDirectory(named: "parts", in: directory) }
            if let run, let count = try? run.records(RunDirectory.metricsFile).count, count >= 5 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertTrue(parts.isRunning, "the run ended before it could be interrupted")
        kill(parts.processIdentifier, SIGTERM)
        parts.waitUntilExit()
        XCTAssertEqual(parts.terminationStatus, 3, "a stopped run exits with status 3")
        let stopped = try XCTUnwrap(run)
        XCTAssertEqual(stopped.readStatus()?.state, .stopped)
        let checkpoint = try XCTUnwrap(Checkpoint.latest(in: stopped))
        XCTAssertLessThan(checkpoint.state.step, 40)
        XCTAssertEqual(try stopped.records(RunDirectory.metricsFile).count, checkpoint.state.step)

        let resumed = try launch(["train", "--resume", stopped.url.path], in: directory)
        resumed.waitUntilExit()
        XCTAssertEqual(resumed.terminationStatus, 0)
        XCTAssertEqual(stopped.readStatus()?.state, .finished, stopped.readStatus()?.message ?? "")

        let expected = try XCTUnwrap(runDirectory(named: "whole", in: directory)).records(RunDirectory.metricsFile)
        let actual = try stopped.records(RunDirectory.metricsFile)
        XCTAssertEqual(actual.count, 40)
        XCTAssertEqual(expected.count, 40)
        for (a, b) in zip(actual, expected) {
            for key in ["step", "loss", "rewards/margins", "logps/rejected", "grad_norm"] {
                XCTAssertEqual(try XCTUnwrap(a[key] as? Double), try XCTUnwrap(b[key] as? Double), accuracy: 1e-6, key)
            }
        }
    }
}
