import Determinism
import Foundation
import Kernels
import Model
import TestSupport
import XCTest

/// The whole model's gradient against finite differences, and the batch layouts that must not change results:
/// prefix sharing and chunked LM-head evaluation.
final class ModelGradientTests: XCTestCase {
    private let tiny = TransformerConfig(
        vocabSize: 11, hiddenSize: 8, intermediateSize: 12, layers: 2, heads: 2, kvHeads: 1, rmsNormEps: 1e-5,
        ropeTheta: 10_000, tieWordEmbeddings: false, maxPositions: 32)


    private func randomSequence(_ length: Int, vocab: Int, _ g: inout SeededGenerator) -> [Int32] {
        (0..<length).map { _ in Int32(g.next() % UInt64(vocab)) }
    }

    private func model(_ config: TransformerConfig, seed: UInt64) throws -> Transformer {
        let model = try Transformer(config: config)
        model.initializeRandom(seed: seed, std: 0.3)
        // Norm gains away from 1 so that a gain bug would show.
        var g = SeededGenerator(seed: seed ^ 0xABCD)
        for entry in model.layout.tensors where entry.isNorm {
            for i in 0..<entry.count { model.parameters[entry.offset + i] = 1 + 0.2 * g.nextNormal() }
        }
        return model
    }

    func testWholeModelGradientMatchesFiniteDifferences() throws {
        for tied in [false, true] {
            let s = testSeed(#function + (tied ? " tied" : " untied"))
            var config = tiny
            config.tieWordEmbeddings = tied
            let model = try model(config, seed: s)
            var g = SeededGenerator(seed: s)
            var batch = PackedBatch()
            batch.appendSequence(randomSequence(7, vocab: 11, &g), targetMask: [false, false, true, true, true, false, true])
            batch.appendShared(prompt: randomSequence(3, vocab: 11, &g),
                               completions: [randomSequence(3, vocab: 11, &g), randomSequence(2, vocab: 11, &g)])
            let weights = (0..<batch.targetCount).map { _ in g.nextNormal() }
            func loss() throws -> Double {
                zip(try model.forward(batch), weights).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            }
            _ = try loss()
            model.zeroGradients()
            model.backward(weights)
            let analytic = model.gradients.array(model.parameterCount)
            var worst = 0.0
            for _ in 0..<150 {
                let i = Int(g.next() % UInt64(model.parameterCount))
                let numeric = try numericDerivative(model.parameters, i, step: 2e-2, loss: loss)
                let relative = relativeGradientError(analytic[i], numeric)
                worst = max(worst, relative)
                let name = model.layout.tensors.last { $0.offset <= i }!.name
                XCTAssertLessThanOrEqual(relative, 2e-2, "\(name) at \(i): analytic \(analytic[i]) numeric \(numeric)")
            }
            print("model gradient (tied: \(tied)): worst relative error \(worst) over 150 parameters")
        }
    }

    func testPrefixSharingGivesTheSameLogProbsAndGradientsAsSeparateSequences() throws {
        let s = testSeed(#function)
        var g = SeededGenerator(seed: s)
        let model = try model(tiny, seed: s)
        let prompt = randomSequence(5, vocab: 11, &g)
        let chosen = randomSequence(4, vocab: 11, &g), rejected = randomSequence(6, vocab: 11, &g)
        var shared = PackedBatch()
        shared.appendShared(prompt: prompt, completions: [chosen, rejected])
        var separate = PackedBatch()
        for completion in [chosen, rejected] {
            separate.appendSequence(prompt + completion,
                                    targetMask: Array(repeating: false, count: 5) + Array(repeating: true, count: completion.count))
        }
        XCTAssertLessThan(shared.rows, separate.rows)
        let weights = (0..<separate.targetCount).map { _ in g.nextNormal() }
        let sharedLogps = try model.forward(shared)
        model.zeroGradients()
        model.backward(weights)
        let sharedGradients = model.gradients.array(model.parameterCount)
        let separateLogps = try model.forward(separate)
        model.zeroGradients()
        model.backward(weights)
        let separateGradients = model.gradients.array(model.parameterCount)
        for (a, b) in zip(sharedLogps, separateLogps) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let scale = separateGradients.map(abs).max()!
        let error = zip(sharedGradients, separateGradients).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(error / scale, 1e-5)
    }

    func testChunkedLMHeadMatchesOneChunk() throws {
        let s = testSeed(#function)
        var g = SeededGenerator(seed: s)
        let model = try model(tiny, seed: s)
        var batch = PackedBatch()
        batch.appendSequence(randomSequence(12, vocab: 11, &g), targetMask: Array(repeating: true, count: 12))
        let weights = (0..<batch.targetCount).map { _ in g.nextNormal() }
        let whole = try model.forward(batch)
        model.zeroGradients()
        model.backward(weights)
        let wholeGradients = model.gradients.array(model.parameterCount)
        model.logitBudget = 3 * 11
        let chunked = try model.forward(batch)
        model.zeroGradients()
        model.backward(weights)
        // Equal up to the rounding of differently blocked products.
        XCTAssertLessThan(zip(whole, chunked).map { abs($0 - $1) }.max()!, 1e-5)
        let chunkedGradients = model.gradients.array(model.parameterCount)
        let scale = wholeGradients.map(abs).max()!
        XCTAssertLessThan(zip(wholeGradients, chunkedGradients).map { abs($0 - $1) }.max()! / scale, 1e-5)
    }

    func testBatchOutsideTheModelIsAnError() throws {
        let model = try Transformer(config: tiny)
        var batch = PackedBatch()
        batch.appendSequence([1, 2, 11], targetMask: [false, true, true])
        XCTAssertThrowsError(try model.forward(batch)) { XCTAssertTrue("\($0)".contains("outside the vocabulary")) }
        var long = PackedBatch()
        long.appendSequence(Array(repeating: 1, count: 40), targetMask: Array(repeating: true, count: 40))
        XCTAssertThrowsError(try model.forward(long)) { XCTAssertTrue("\($0)".contains("max_position_embeddings")) }
    }
}
