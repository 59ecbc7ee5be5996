import Foundation
import XCTest

@testable import Training

/// The TRL 1.16 config an experiment exports to: TRL's key names, RPO as TRL's `sft` loss, and a warning for each
/// difference (the step-1 comparison with TRL itself is `make trl-export-check`, outside CI).
final class TRLExportTests: XCTestCase {
    private func export(_ overrides: [String], hasTest: Bool = true) throws -> TRLExport {
        var experiment = Experiment()
        try experiment.apply(overrides: overrides)
        return try TRLExport(experiment, model: "model", data: "data", hasTestSplit: hasTest)
    }

    private func value(_ export: TRLExport, _ key: String) -> String? { export.config.first { $0.key == key }?.value }

    func testKeysAreTRLsAndRPOBecomesTheSFTLoss() throws {
        let exported = try export(["beta=0.3", "rpo_alpha=0.5", "learning_rate=0.0005", "train_sampling_strategy=sequential", "eval_steps=50",
                                   "lr_scheduler_type=constant", "warmup_steps=10", "lora.enabled=true", "lora.r=4"])
        XCTAssertEqual(value(exported, "loss_type"), "[sigmoid, sft]")
        XCTAssertEqual(value(exported, "loss_weights"), "[1, 0.5]")
        XCTAssertEqual(value(exported, "beta"), "0.3")
        XCTAssertEqual(value(exported, "learning_rate"), "0.0005")
        XCTAssertEqual(value(exported, "lr_scheduler_type"), "constant_with_warmup", "transformers' constant ignores warmup")
        XCTAssertEqual(value(exported, "train_sampling_strategy"), "sequential")
        XCTAssertEqual(value(exported, "eval_strategy"), "steps")
        XCTAssertEqual(value(exported, "eval_steps"), "50")
        XCTAssertEqual(value(exported, "use_peft"), "true")
        XCTAssertEqual(value(exported, "lora_r"), "4")
        XCTAssertEqual(value(exported, "model_name_or_path"), "\"model\"")
        XCTAssertEqual(value(exported, "bf16"), "false", "TRL's DPOConfig turns bf16 on unless told not to")
        XCTAssertFalse(exported.warnings.contains { $0.hasPrefix("train_sampling_strategy") }, "sequential follows the file in both")
        XCTAssertTrue(exported.yaml.hasPrefix("# TRL 1.16"))
        XCTAssertTrue(exported.yaml.contains("\nloss_type: [sigmoid, sft]\n"))
    }

    func testEveryDifferenceIsAWarningAndNoIsQuoted() throws {
        let exported = try export(["label_smoothing=0.1", "rdpo_alpha=0.01"], hasTest: false)
        for start in ["label_smoothing 0.1", "rdpo_alpha", "max_prompt_length", "train_sampling_strategy random", "precision"] {
            XCTAssertTrue(exported.warnings.contains { $0.hasPrefix(start) }, "a warning on \(start): \(exported.warnings)")
        }
        XCTAssertEqual(value(exported, "eval_strategy"), "\"no\"", "YAML would read a bare no as false")
        XCTAssertNil(value(exported, "dataset_test_split"))
        XCTAssertTrue(exported.yaml.contains("#   - rdpo_alpha"))
    }

    func testWhatDPOTrainerCannotRunIsRefused() {
        for overrides in [["loss_type=simpo"], ["loss_type=kto"], ["loss_type=unlikelihood"], ["online.enabled=true"]] {
            XCTAssertThrowsError(try export(overrides), "\(overrides)") { XCTAssertTrue("\($0)".contains("TRL"), "\($0)") }
        }
        XCTAssertNoThrow(try export(["loss_type=aot_unpaired"]))
    }
}
