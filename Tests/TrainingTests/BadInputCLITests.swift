import Foundation
import Model
import TestSupport
import XCTest

/// Bad input given to the real `dpo train`: each case exits non-zero with a message that names the file and the
/// field, and never with a trap or a Foundation error domain.
final class BadInputCLITests: XCTestCase {
    private static let fixture = RepositoryPaths.fixture("golden/eval_model")
    private var directory: URL!
    private var model: URL { directory.appendingPathComponent("model") }

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory("dpo-bad-input")
        try FileManager.default.copyItem(at: Self.fixture, to: model)
        try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent("pairs.jsonl"),
                                         to: directory.appendingPathComponent("pairs.jsonl"))
        try """
            model: model
            dataset: pairs.jsonl
            output_dir: runs
            max_steps: 1
            eval_steps: 0
            samples: {prompts: 0}
            """.write(to: directory.appendingPathComponent("run.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func assertRefused(_ overrides: [String] = [], naming fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try DPOProcess.run(["train", "run.yaml"] + overrides.flatMap { ["--set", $0] }, in: directory)
        XCTAssertNotEqual(result.status, 0, result.output, file: file, line: line)
        XCTAssertLessThan(result.status, 128, "killed by a signal: \(result.output)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(result.output.contains(fragment), "no '\(fragment)' in: \(result.output)", file: file, line: line)
        }
        for bad in ["NSCocoaErrorDomain", "Fatal error", "Error Domain="] {
            XCTAssertFalse(result.output.contains(bad), result.output, file: file, line: line)
        }
    }

    private func editConfig(_ change: (inout [String: Any]) -> Void) throws {
        let url = model.appendingPathComponent("config.json")
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        change(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: url)
    }

    func testTheFixtureTrains() throws {
        let result = try DPOProcess.run(["train", "run.yaml"], in: directory)
        XCTAssertEqual(result.status, 0, result.output)
    }

    func testAbsurdSizesInConfigJSON() throws {
        try editConfig { $0["hidden_size"] = 1 << 40 }
        try assertRefused(naming: ["model/config.json", "hidden_size"])
    }

    func testMismatchedSizesAgainstTheTensors() throws {
        try editConfig { $0["intermediate_size"] = ($0["intermediate_size"] as! Int) * 2 }
        try assertRefused(naming: ["model", "mlp", "shape"])
    }

    func testNegativeNormEpsilonAndRopeTheta() throws {
        try editConfig { $0["rms_norm_eps"] = -1e-5 }
        try assertRefused(naming: ["model/config.json", "rms_norm_eps"])
        try editConfig { $0["rms_norm_eps"] = 1e-5; $0["rope_theta"] = 0 }
        try assertRefused(naming: ["model/config.json", "rope_theta"])
    }

    func testNonFiniteWeights() throws {
        let loaded = try Transformer.load(directory: model)
        loaded.parameters.pointer[3] = .nan
        try loaded.save(directory: model)
        try assertRefused(naming: ["model", "holds nan"])
    }

    func testAnEmptyTokenizerVocabulary() throws {
        let url = model.appendingPathComponent("tokenizer.json")
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var inner = try XCTUnwrap(json["model"] as? [String: Any])
        inner["vocab"] = [String: Int]()
        inner["merges"] = [Any]()
        json["model"] = inner
        json["added_tokens"] = [Any]()
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        try assertRefused(naming: ["model/tokenizer.json", "model.vocab is empty"])
    }

    func testAnInfiniteLearningRate() throws {
        try assertRefused(["learning_rate=.inf"], naming: ["learning_rate", "not a finite number"])
    }

    func testAMissingEvalDataset() throws {
        try assertRefused(["eval_dataset=missing.jsonl"], naming: ["eval_dataset", "missing.jsonl"])
    }

    func testAnOutputDirThatIsAFile() throws {
        try Data("x".utf8).write(to: directory.appendingPathComponent("taken"))
        try assertRefused(["output_dir=taken"], naming: ["output_dir", "taken is a file, not a directory"])
    }

    func testAbsurdTinyModelSizes() throws {
        try assertRefused(["model=builtin:tiny", "tiny.hidden_size=1000000"], naming: ["tiny.hidden_size", "out of range"])
    }

    func testFilesThatAreDirectories() throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("exp.yaml"), withIntermediateDirectories: false)
        let experiment = try DPOProcess.run(["train", "exp.yaml"], in: directory)
        XCTAssertNotEqual(experiment.status, 0)
        XCTAssertTrue(experiment.output.contains("exp.yaml is a directory, not a file"), experiment.output)
        XCTAssertFalse(experiment.output.contains("NSCocoaErrorDomain"), experiment.output)
        let tokenizer = model.appendingPathComponent("tokenizer.json")
        try FileManager.default.removeItem(at: tokenizer)
        try FileManager.default.createDirectory(at: tokenizer, withIntermediateDirectories: false)
        try assertRefused(naming: ["model/tokenizer.json is a directory, not a file"])
    }

    /// Pairs longer than max_position_embeddings: training names them; `dpo eval` takes the context as its default
    /// max_length, names the pairs it cut, and names those that do not fit a longer max_length given to it.
    func testPairsBeyondTheModelsContext() throws {
        try editConfig { $0["max_position_embeddings"] = 24 }
        try assertRefused(naming: ["do not fit the model's context (max_position_embeddings 24", "pairs.jsonl:1,", "set max_length to 24"])
        let fitted = try DPOProcess.run(["eval", "model", "--data", "pairs.jsonl"], in: directory)
        XCTAssertEqual(fitted.status, 0, fitted.output)
        XCTAssertTrue(fitted.output.contains("truncated to max_length 24, max_prompt_length 23"), fitted.output)
        XCTAssertTrue(fitted.output.contains("pairs.jsonl:1"), fitted.output)
        XCTAssertFalse(fitted.output.contains("pairs.jsonl:3"), "a 6-token pair fits: \(fitted.output)")
        let tooLong = try DPOProcess.run(["eval", "model", "--data", "pairs.jsonl", "--set", "max_length=64"], in: directory)
        XCTAssertNotEqual(tooLong.status, 0, tooLong.output)
        XCTAssertTrue(tooLong.output.contains("not fit the model's context (max_position_embeddings 24"), tooLong.output)
    }
}
