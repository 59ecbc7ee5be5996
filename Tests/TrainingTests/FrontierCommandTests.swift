import Foundation
import TestSupport
import XCTest

/// `dpo frontier` as a user runs it, on run directories written here.
final class FrontierCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory("dpo-frontier-cli")
        for (name, config, kl) in [("dpo", "loss_type: sigmoid\nbeta: 0.5\n", 1.5), ("sft", "loss_type: sft\n", 3.0)] {
            let run = directory.appendingPathComponent("runs/\(name)")
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            try config.write(to: run.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
            let row = #"{"samples/kl":\#(kl),"samples/reference_reward":0.4,"samples/reward":0.6,"step":25}"#
            try (row + "\n").write(to: run.appendingPathComponent("eval.jsonl"), atomically: true, encoding: .utf8)
        }
        let bare = directory.appendingPathComponent("runs/bare")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
        try "beta: 0.1\n".write(to: bare.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testTableChartSVGAndSkippedRuns() throws {
        let result = try DPOProcess.run(["frontier", "runs", "--svg", "frontier.svg"], in: directory, environment: ["LC_ALL": "C.UTF-8", "TERM": "xterm"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("reference  –    –     0.0000  0.4000"), result.output)
        XCTAssertTrue(result.output.contains("sigmoid    0.5  25    1.5000  0.6000  dpo"), result.output)
        XCTAssertTrue(result.output.contains("skipped bare: no samples/kl and samples/reward"), result.output)
        XCTAssertTrue(result.output.contains("● sft  ■ sigmoid  ★ reference"), result.output)
        let svg = try String(contentsOf: directory.appendingPathComponent("frontier.svg"), encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: #"class="marker""#).count - 1, 2)
    }

    func testJSONReadsBack() throws {
        let result = try DPOProcess.run(["frontier", "runs", "--json"], in: directory)
        XCTAssertEqual(result.status, 0, result.output)
        let start = try XCTUnwrap(result.output.firstIndex(of: "{"))
        let object = try JSONSerialization.jsonObject(with: Data(result.output[start...].utf8)) as? [String: Any]
        XCTAssertEqual(object?["reference_reward"] as? Double, 0.4)
        XCTAssertEqual((object?["runs"] as? [[String: Any]])?.compactMap { $0["method"] as? String }, ["sft", "sigmoid"])
    }

    func testAFolderWithoutPointsIsAnError() throws {
        try FileManager.default.removeItem(at: directory.appendingPathComponent("runs/dpo"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("runs/sft"))
        let result = try DPOProcess.run(["frontier", "runs"], in: directory)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("no run in runs logged samples/kl and samples/reward"), result.output)
    }
}
