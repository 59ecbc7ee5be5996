import Foundation
import TestSupport
import XCTest

@testable import Training

/// `dpo watch --json` and `--once`: the Runs and Diagnostics screens' picture for scripts, from a run written here.
final class WatchSnapshotTests: XCTestCase {
    func testJSONAndOnceShowARunsStateMetricsAndWarnings() throws {
        let folder = try makeTemporaryDirectory("dpo-watch-once")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try RunDirectory.create(in: folder, name: "drifting")
        try run.writeConfig(Experiment())
        try run.append(["step": 1, "time": 1, "loss": 0.69], to: RunDirectory.metricsFile)
        try run.append(["step": 1, "time": 2, "eval_loss": 0.6, "samples/kl": 41.3, "samples/kl_per_token": 1.3], to: RunDirectory.evalFile)

        let json = try DPOProcess.run(["watch", folder.path, "--json"], in: folder)
        XCTAssertEqual(json.status, 0, json.output)
        let runs = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        XCTAssertEqual(runs.count, 1)
        XCTAssertEqual((runs[0]["last"] as? [String: Double])?["samples/kl"], 41.3)
        let warnings = try XCTUnwrap(runs[0]["warnings"] as? [[String: String]])
        XCTAssertEqual(warnings.map { $0["kind"] }, ["drift"])

        let once = try DPOProcess.run(["watch", folder.path, "--once", "--screen", "diagnostics", "--size", "100x24", "--ascii"], in: folder)
        XCTAssertEqual(once.status, 0, once.output)
        let lines = once.output.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertGreaterThanOrEqual(lines.count, 24)
        XCTAssertTrue(once.output.contains("Diagnostics - drifting"), once.output)
        XCTAssertTrue(once.output.contains("! KL from the reference    KL 41.3 nats per sample"), once.output)
    }
}
