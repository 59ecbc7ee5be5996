import Foundation
import Model
import XCTest

/// Compares the model with PyTorch/transformers on the fixtures written by `Tests/Fixtures/make_golden.py`:
/// the checkpoint is read through the real config.json and safetensors path, and log-probabilities, loss and
/// every parameter gradient must match.
final class GoldenTests: XCTestCase {
    private struct Inputs: Decodable {
        let sequences: [[Int32]]
        let target_masks: [[Int]]
        let loss_weights: [Float]
    }

    private struct Expected: Decodable {
        let logps: [Float]
        let loss: Float
    }

    func testUntiedGroupedQueryModelMatchesPyTorch() throws { try compare(variant: "gqa_untied") }

    func testTiedSingleKeyValueHeadModelMatchesPyTorch() throws { try compare(variant: "gqa_tied") }

    private func compare(variant: String) throws {
        let directory = fixturesDirectory.appendingPathComponent("golden/\(variant)")
        let inputs = try JSONDecoder().decode(Inputs.self, from: Data(contentsOf: directory.appendingPathComponent("inputs.json")))
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        let model = try Transformer.load(directory: directory)
        var batch = PackedBatch()
        for (sequence, mask) in zip(inputs.sequences, inputs.target_masks) {
            batch.appendSequence(sequence, targetMask: mask.map { $0 != 0 })
        }
        let logps = try model.forward(batch)
        XCTAssertEqual(logps.count, expected.logps.count)
        let logpError = zip(logps, expected.logps).map { abs($0 - $1) }.max() ?? .infinity
        print("\(variant): first log-probs \(logps.prefix(3)) vs \(expected.logps.prefix(3)); max abs error \(logpError)")
        XCTAssertLessThanOrEqual(logpError, 1e-4)
        let loss = -zip(inputs.loss_weights, logps).map(*).reduce(0, +)
        XCTAssertEqual(loss, expected.loss, accuracy: 1e-3 * abs(expected.loss))

        model.zeroGradients()
        model.backward(inputs.loss_weights.map { -$0 })
        let grads = try SafetensorsFile(contentsOf: directory.appendingPathComponent("grads.safetensors"))
        XCTAssertEqual(Set(grads.tensors.keys), Set(model.layout.tensors.map(\.name)))
        for entry in model.layout.tensors {
            let reference = try grads.floats(entry.name)
            let ours = model.gradients.array(entry.offset + entry.count).suffix(entry.count)
            let scale = reference.map(abs).max() ?? 0
            let error = zip(ours, reference).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertGreaterThan(scale, 0, "\(entry.name): the reference gradient is all zeros")
            XCTAssertLessThanOrEqual(error / scale, 1e-3, "\(entry.name): max abs error \(error), max |grad| \(scale)")
            print("\(variant) \(entry.name): relative gradient error \(error / scale)")
        }
    }
}
