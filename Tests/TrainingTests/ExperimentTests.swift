import Foundation
import TestSupport
import XCTest
@testable import Training

/// Experiment files: TRL key names, nested sections, overrides, sweeps, and errors that name the key.
final class ExperimentTests: XCTestCase {
    func testReadsTRLKeysNestedSectionsAndSweep() throws {
        let experiment = try Experiment(yaml: """
            model: builtin:tiny
            dataset: builtin:sentiment
            beta: 0.2
            learning_rate: 1e-4
            loss_type: [sigmoid, sft]
            loss_weights: [1.0, 0.5]
            per_device_train_batch_size: 4
            gradient_accumulation_steps: 2
            max_steps: 30
            sft:
              max_steps: 12
            sft.learning_rate: 0.01
            sweep:
              beta: [0.05, 0.1]
              label_smoothing: [0.0, 0.1]
            """)
        XCTAssertEqual(experiment.loss.beta, 0.2)
        XCTAssertEqual(experiment.learningRate, 1e-4)
        XCTAssertEqual(experiment.loss.lossTypes, [.sigmoid, .sft])
        XCTAssertEqual(experiment.loss.lossWeights, [1.0, 0.5])
        XCTAssertEqual(experiment.batchSize, 4)
        XCTAssertEqual(experiment.gradientAccumulationSteps, 2)
        XCTAssertEqual(experiment.maxSteps, 30)
        XCTAssertEqual(experiment.sft.maxSteps, 12)
        XCTAssertEqual(experiment.sft.learningRate, 0.01)
        XCTAssertEqual(experiment.sweep, [SweepAxis(key: "beta", values: ["0.05", "0.1"]),
                                          SweepAxis(key: "label_smoothing", values: ["0.0", "0.1"])])
    }

    func testResolvedYAMLReadsBackToTheSameExperiment() throws {
        var experiment = Experiment()
        try experiment.apply(overrides: ["beta=0.3", "loss_type=ipo", "samples.top_p=0.9", "lora.r=4", "run_name=my run"])
        let again = try Experiment(yaml: experiment.yaml())
        XCTAssertEqual(again, experiment)
        XCTAssertNil(again.lora, "setting lora.r alone does not enable adapters")
        try experiment.apply(overrides: ["lora.enabled=true"])
        XCTAssertEqual(try Experiment(yaml: experiment.yaml()).lora?.rank, 4)
        XCTAssertEqual(again.samples.topP, 0.9)
    }

    func testErrorsNameTheKey() {
        let cases: [(String, String)] = [
            ("betta: 0.1", "betta: unknown key (did you mean beta"),
            ("beta: -1", "beta: -1 is out of range"),
            ("beta: lots", "beta: 'lots' is not a number"),
            ("label_smoothing: 0.7", "label_smoothing"),
            ("loss_type: dpo", "loss_type: unknown loss 'dpo'"),
            ("loss_type: [kto, sigmoid]", "loss_type: kto takes unpaired examples and cannot be combined"),
            ("per_device_train_batch_size: 2.5", "per_device_train_batch_size: '2.5' is not an integer"),
            ("max_length: 64\nmax_prompt_length: 64", "max_prompt_length: 64 leaves no room"),
            ("loss_type: [sigmoid, ipo]\nloss_weights: [1]", "loss_weights: has 1 values for 2 loss types"),
            ("truncation_mode: middle", "truncation_mode: 'middle' is not one of them"),
            ("sweep:\n  gamma: [1, 2]", "sweep.gamma: unknown key"),
            ("sweep:\n  beta: [0.1, -2]", "beta: -2 is out of range"),
            ("- just a list", "the top level must be a map"),
        ]
        for (yaml, expected) in cases {
            XCTAssertThrowsError(try Experiment(yaml: yaml), yaml) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(yaml) → \(error)")
            }
        }
    }

    func testOverridesParseAsYAMLScalars() throws {
        var experiment = Experiment()
        try experiment.apply(overrides: ["beta=0.25", "precompute_ref_log_probs=true", "loss_type=[sigmoid, sft]", "eval_dataset=held.jsonl"])
        XCTAssertEqual(experiment.loss.beta, 0.25)
        XCTAssertThrowsError(try experiment.apply(overrides: ["precompute_ref_log_probs=false"]), "accepted but never read") {
            XCTAssertTrue("\($0)".contains("precompute_ref_log_probs: false is not available"), "\($0)")
        }
        XCTAssertEqual(experiment.loss.lossTypes, [.sigmoid, .sft])
        XCTAssertEqual(experiment.evalDataset, "held.jsonl")
        XCTAssertThrowsError(try experiment.apply(overrides: ["beta"])) { XCTAssertTrue("\($0)".contains("key=value")) }
    }

    func testEveryCommittedExperimentLoads() throws {
        let directory = RepositoryPaths.root.appendingPathComponent("experiments")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertFalse(files.isEmpty)
        for file in files { XCTAssertNoThrow(try Experiment(contentsOf: directory.appendingPathComponent(file)), file) }
    }
}

/// What sets two runs apart, as the workbench's config diff lists it.
final class ExperimentDiffTests: XCTestCase {
    func testDifferencesAreTheKeysWhoseValuesDifferInTableOrder() throws {
        var a = Experiment(), b = Experiment()
        try a.apply(overrides: ["beta=0.1", "learning_rate=0.001"])
        try b.apply(overrides: ["beta=0.5", "learning_rate=0.001", "rpo_alpha=0.5", "loss_type=ipo"])
        let rows = a.differences(from: b)
        XCTAssertEqual(rows.map(\.key), ["loss_type", "beta", "rpo_alpha"])
        XCTAssertEqual(rows[1].this, "0.1")
        XCTAssertEqual(rows[1].other, "0.5")
        XCTAssertEqual(rows[2].this, "", "unset on one side")
        XCTAssertTrue(a.differences(from: a).isEmpty)
    }
}
