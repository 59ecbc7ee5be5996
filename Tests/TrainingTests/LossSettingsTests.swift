import Foundation
import XCTest

@testable import Training

final class LossSettingsTests: XCTestCase {
    func testDefaultsAreTRLsAndValid() throws {
        let settings = LossSettings()
        XCTAssertEqual(settings.lossTypes, [.sigmoid])
        XCTAssertEqual(settings.beta, 0.1)
        XCTAssertEqual(settings.simpoGamma, 0.5)
        XCTAssertEqual(settings.discopopTau, 0.05)
        XCTAssertEqual(settings.resolvedWeights, [1])
        XCTAssertEqual(settings.resolvedOrpoLambda, 0.1, "ORPO's λ is beta, as TRL's ORPOConfig")
        try settings.validate()
    }

    func testOutOfRangeValuesNameTheirKey() {
        let cases: [(String, (inout LossSettings) -> Void)] = [
            ("beta", { $0.beta = 0 }),
            ("beta", { $0.beta = -0.1 }),
            ("beta", { $0.beta = .nan }),
            ("beta", { $0.beta = .infinity }),
            ("label_smoothing", { $0.labelSmoothing = -0.01 }),
            ("label_smoothing", { $0.labelSmoothing = 0.6 }),
            ("label_smoothing", { $0.lossTypes = [.robust]; $0.labelSmoothing = 0.5 }),
            ("label_smoothing", { $0.lossTypes = [.sigmoid, .exoPair] }),
            ("loss_weights", { $0.lossWeights = [1, 2] }),
            ("loss_weights", { $0.lossTypes = [.sigmoid, .sft]; $0.lossWeights = [1] }),
            ("loss_weights", { $0.lossWeights = [-1] }),
            ("loss_weights", { $0.lossWeights = [.nan] }),
            ("loss_type", { $0.lossTypes = [] }),
            ("loss_type", { $0.lossTypes = [.sigmoid, .ipo, .sigmoid] }),
            ("loss_type", { $0.lossTypes = [.kto, .sft] }),
            ("simpo_gamma", { $0.simpoGamma = -1 }),
            ("rpo_alpha", { $0.rpoAlpha = -0.5 }),
            ("orpo_lambda", { $0.orpoLambda = .nan }),
            ("discopop_tau", { $0.discopopTau = 0 }),
            ("desirable_weight", { $0.desirableWeight = 0 }),
            ("undesirable_weight", { $0.undesirableWeight = -1 }),
        ]
        for (index, (key, change)) in cases.enumerated() {
            var settings = LossSettings()
            change(&settings)
            XCTAssertThrowsError(try settings.validate(), "case \(index) should fail on \(key)") { error in
                let error = error as? LossSettingsError
                XCTAssertEqual(error?.key, key, "case \(index): \(String(describing: error))")
                XCTAssert(error?.description.hasPrefix("\(key): ") == true, "case \(index): names the key")
            }
        }
    }

    func testEdgesOfTheRangesAreValid() throws {
        try LossSettings(lossTypes: [.robust], labelSmoothing: 0.49).validate()
        try LossSettings(lossTypes: [.sigmoid], labelSmoothing: 0.5).validate()
        try LossSettings(lossTypes: [.exoPair], labelSmoothing: 1e-3).validate()
        try LossSettings(lossTypes: [.sigmoid, .sft], lossWeights: [1, 0], rpoAlpha: 0).validate()
        try LossSettings(lossTypes: [.kto], desirableWeight: 1.33).validate()
    }

    func testLossTypeNamesAndProperties() {
        XCTAssertEqual(LossType.allCases.count, 20)
        XCTAssertEqual(
            LossType.allCases.map(\.rawValue),
            [
                "sigmoid", "robust", "hinge", "ipo", "exo_pair", "nca_pair", "bco_pair", "sppo_hard", "apo_zero",
                "apo_down", "discopop", "sigmoid_norm", "aot", "aot_unpaired", "simpo", "orpo", "kto", "sft", "unlikelihood", "sppo",
            ])
        XCTAssertEqual(LossType.allCases.filter { !$0.needsReference }, [.simpo, .orpo, .sft, .unlikelihood])
        XCTAssertTrue(LossType.unlikelihood.usesTokenCounts)
        XCTAssertEqual(LossType.allCases.filter { !$0.isPairwise }, [.kto, .sppo])
        XCTAssertFalse(LossSettings(lossTypes: [.simpo, .sft]).needsReference)
        XCTAssertTrue(LossSettings(lossTypes: [.simpo, .ipo]).needsReference)
    }

    func testCodingUsesTRLKeysAndDefaults() throws {
        let one = try JSONDecoder().decode(LossSettings.self, from: Data(#"{"loss_type": "ipo", "beta": 0.2}"#.utf8))
        XCTAssertEqual(one, LossSettings(lossTypes: [.ipo], beta: 0.2))

        let list = try JSONDecoder().decode(
            LossSettings.self,
            from: Data(#"{"loss_type": ["sigmoid", "sft"], "loss_weights": [1, 0.5], "rpo_alpha": 1}"#.utf8))
        XCTAssertEqual(list, LossSettings(lossTypes: [.sigmoid, .sft], lossWeights: [1, 0.5], rpoAlpha: 1))

        let full = LossSettings(
            lossTypes: [.exoPair, .apoZero], lossWeights: [2, 1], beta: 0.3, labelSmoothing: 0.01, simpoGamma: 1,
            rpoAlpha: 0.2, orpoLambda: 0.4, discopopTau: 0.1, desirableWeight: 1.2, undesirableWeight: 0.8)
        let encoded = try JSONEncoder().encode(full)
        let keys = try XCTUnwrap(JSONSerialization.jsonObject(with: encoded) as? [String: Any]).keys
        XCTAssertEqual(
            Set(keys),
            [
                "loss_type", "loss_weights", "beta", "label_smoothing", "simpo_gamma", "rpo_alpha", "orpo_lambda",
                "discopop_tau", "desirable_weight", "undesirable_weight", "orpo_nll",
            ])
        XCTAssertEqual(try JSONDecoder().decode(LossSettings.self, from: encoded), full)

        XCTAssertThrowsError(
            try JSONDecoder().decode(LossSettings.self, from: Data(#"{"loss_type": "dpo"}"#.utf8)))
    }
}
