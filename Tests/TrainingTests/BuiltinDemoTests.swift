import TestSupport
import Training
import XCTest

/// `dpo` opens `BuiltinDemo` where there is no `experiments/demo.yaml`: the two must stay the same demo.
final class BuiltinDemoTests: XCTestCase {
    func testBuiltInDemoIsExperimentsDemoYamlWordForWord() throws {
        let file = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("experiments/demo.yaml"), encoding: .utf8)
        XCTAssertEqual(BuiltinDemo.yaml, file)
    }

    func testBuiltInDemoParsesToTheTunedSettingsNotTRLsDefaults() throws {
        let demo = try BuiltinDemo.experiment()
        XCTAssertEqual(demo.model, "builtin:tiny")
        XCTAssertEqual(demo.loss.beta, 0.3)
        XCTAssertEqual(demo.learningRate, 5e-4)
        XCTAssertNotEqual(demo.learningRate, Experiment().learningRate)
    }
}
