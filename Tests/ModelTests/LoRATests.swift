import Determinism
import Foundation
import Kernels
import Model
import XCTest

/// LoRA adapters: exact gradients through the whole model, the frozen base, PEFT files, and merging.
final class LoRATests: XCTestCase {
    private let config = TransformerConfig(vocabSize: 13, hiddenSize: 8, intermediateSize: 12, layers: 2, heads: 2, kvHeads: 1,
                                           rmsNormEps: 1e-5, ropeTheta: 10_000, tieWordEmbeddings: true, maxPositions: 32)

    private func setup(seed: UInt64, randomB: Bool, targets: [LoRATarget] = LoRATarget.allCases) throws
        -> (Transformer, LoRAAdapters, PackedBatch, [Float]) {
        let model = try Transformer(config: config)
        model.initializeRandom(seed: seed, std: 0.3)
        let adapters = LoRAAdapters(config: config, rank: 2, alpha: 4, targets: targets, seed: seed)
        var g = SeededGenerator(seed: seed ^ 0x1234)
        if randomB {
            for (name, offset, shape) in adapters.tensors where name.hasSuffix("lora_B.weight") {
                for i in 0..<shape.reduce(1, *) { adapters.parameters[offset + i] = 0.3 * g.nextNormal() }
            }
        }
        var batch = PackedBatch()
        batch.appendShared(prompt: [1, 5, 7], completions: [[2, 9, 3], [4, 11]])
        batch.appendSequence([3, 8, 12, 6, 0], targetMask: [false, false, true, true, true])
        let weights = (0..<batch.targetCount).map { _ in g.nextNormal() }
        return (model, adapters, batch, weights)
    }

    func testFreshAdaptersLeaveTheModelUnchanged() throws {
        let (model, adapters, batch, _) = try setup(seed: 1, randomB: false)
        let base = try model.forward(batch)
        model.attach(adapters)
        XCTAssertEqual(try model.forward(batch), base)
    }

    /// Every target, and a subset whose fused products carry some of their modules only (k and v of q/k/v, up
    /// without gate): a product's adapters run as one stacked product over whichever of its modules are adapted.
    func testAdapterGradientsMatchFiniteDifferencesAndTheBaseStaysFrozen() throws {
        for targets in [LoRATarget.allCases, [.k, .v, .up, .down]] {
            try checkAdapterGradients(targets: targets)
        }
    }

    private func checkAdapterGradients(targets: [LoRATarget]) throws {
        let (model, adapters, batch, weights) = try setup(seed: 2, randomB: true, targets: targets)
        model.attach(adapters)
        func loss() throws -> Double { zip(try model.forward(batch), weights).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        _ = try loss()
        model.gradients.zero()
        model.zeroGradients()
        model.backward(weights)
        XCTAssertEqual(model.gradients.array(model.parameterCount).map(abs).max(), 0, "base weights must get no gradient")
        let analytic = adapters.gradients.array(adapters.count)
        var worst = 0.0
        for i in stride(from: 0, to: adapters.count, by: max(1, adapters.count / 120)) {
            let numeric = try numericDerivative(adapters.parameters, i, step: 1e-2, loss: loss)
            let relative = relativeGradientError(analytic[i], numeric)
            worst = max(worst, relative)
            XCTAssertLessThanOrEqual(relative, 2e-2, "\(targets): adapter parameter \(i): analytic \(analytic[i]) numeric \(numeric)")
        }
        print("LoRA gradient (\(targets.map(\.rawValue))): worst relative error \(worst)")
    }

    func testMergedModelEqualsBasePlusAdaptersAndPEFTFilesRoundTrip() throws {
        let (model, adapters, batch, _) = try setup(seed: 3, randomB: true)
        model.attach(adapters)
        let adapted = try model.forward(batch)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try adapters.save(directory: directory, baseModel: "base")
        let loaded = try LoRAAdapters.load(directory: directory, config: config)
        XCTAssertEqual(loaded.parameters.array(loaded.count), adapters.parameters.array(adapters.count))
        let file = try SafetensorsFile(contentsOf: directory.appendingPathComponent("adapter_model.safetensors"))
        XCTAssertEqual(file.tensors["base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight"]?.shape, [2, 8])
        XCTAssertEqual(file.tensors["base_model.model.model.layers.0.mlp.down_proj.lora_B.weight"]?.shape, [8, 2])
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("adapter_config.json"))) as? [String: Any]
        XCTAssertEqual(config?["peft_type"] as? String, "LORA")
        XCTAssertEqual(config?["r"] as? Int, 2)
        model.attach(nil)
        loaded.merge(into: model)
        let merged = try model.forward(batch)
        XCTAssertLessThan(zip(adapted, merged).map { abs($0 - $1) }.max()!, 1e-5)
    }
}
