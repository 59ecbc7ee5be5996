import Determinism
import Model
import XCTest
@testable import Training

/// The generation sessions run base weights only, so a LoRA policy samples from a copy with its adapters merged.
final class SamplingModelTests: XCTestCase {
    func testALoRAPolicySamplesWithItsAdaptersAndKeepsItsWeights() throws {
        let config = TransformerConfig(vocabSize: 13, hiddenSize: 8, intermediateSize: 12, layers: 2, heads: 2, kvHeads: 1,
                                       rmsNormEps: 1e-5, ropeTheta: 10_000, tieWordEmbeddings: true, maxPositions: 32)
        let model = try Transformer(config: config)
        model.initializeRandom(seed: 3, std: 0.3)
        XCTAssertTrue(try model.samplingModel() === model, "without adapters: the model itself")
        let adapters = LoRAAdapters(config: config, rank: 2, alpha: 4, targets: LoRATarget.allCases, seed: 3)
        var random = SeededGenerator(seed: 7)
        for (name, offset, shape) in adapters.tensors where name.hasSuffix("lora_B.weight") {
            for i in 0..<shape.reduce(1, *) { adapters.parameters[offset + i] = 0.3 * random.nextNormal() }
        }
        let base = Array(UnsafeBufferPointer(start: model.parameters.pointer, count: model.parameterCount))
        model.attach(adapters)
        let sampling = try model.samplingModel()
        XCTAssertNil(sampling.adapters)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: model.parameters.pointer, count: model.parameterCount)), base,
                       "the policy's own weights are untouched")

        var batch = PackedBatch()
        batch.appendSequence([1, 5, 7, 2, 9, 3], targetMask: [false, true, true, true, true, true])
        let adapted = try model.forward(batch), merged = try sampling.forward(batch)
        for (a, m) in zip(adapted, merged) { XCTAssertEqual(a, m, accuracy: 1e-4) }
        let plain = try Transformer(config: config)
        plain.parameters.pointer.update(from: base, count: base.count)
        XCTAssertGreaterThan(zip(try plain.forward(batch), adapted).map { abs($0 - $1) }.max()!, 1e-2,
                             "the adapters change what the policy samples")
    }
}
