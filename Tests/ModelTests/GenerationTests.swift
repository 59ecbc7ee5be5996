import Determinism
import Foundation
import Kernels
import Model
import XCTest

/// Generation against the model's own batch `forward`: the KV-cached prefill and decode steps must give the
/// distribution a full re-run of the prefix gives, greedy decoding must pick what repeated full re-runs pick, and
/// seeds, stop tokens and the context limit must behave.
final class GenerationTests: XCTestCase {
    /// A small grouped-query model (4 query heads over 2 key/value heads) with weights large enough that its
    /// next-token distributions are far from uniform.
    private func randomModel(seed: UInt64 = 11) throws -> Transformer {
        let config = TransformerConfig(vocabSize: 37, hiddenSize: 16, intermediateSize: 24, layers: 2, heads: 4,
                                       kvHeads: 2, maxPositions: 64)
        let model = try Transformer(config: config)
        model.initializeRandom(seed: seed, std: 0.4)
        return model
    }

    private func goldenModel() throws -> (model: Transformer, sequence: [Int32]) {
        struct Inputs: Decodable { let sequences: [[Int32]] }
        let directory = fixturesDirectory.appendingPathComponent("golden/gqa_tied")
        let inputs = try JSONDecoder().decode(Inputs.self, from: Data(contentsOf: directory.appendingPathComponent("inputs.json")))
        return (try Transformer.load(directory: directory), inputs.sequences.max { $0.count < $1.count }!)
    }

    private func randomTokens(_ count: Int, vocab: Int, seed: UInt64) -> [Int32] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Int32(generator.next() % UInt64(vocab)) }
    }

    /// `(vocab)` log-probabilities of the token after `prefix` from `forward` alone: every vocabulary entry is a
    /// one-token completion sharing the prefix as its prompt.
    private func forwardDistribution(_ model: Transformer, _ prefix: [Int32]) throws -> [Float] {
        var batch = PackedBatch()
        batch.appendShared(prompt: prefix, completions: (0..<model.config.vocabSize).map { [Int32($0)] })
        return try model.forward(batch)
    }

    private func logSoftmax(_ logits: [Float]) -> [Float] {
        let maximum = logits.max()!
        let logTotal = Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1 - maximum) }) + maximum
        return logits.map { $0 - logTotal }
    }

    private func maxAbsError(_ a: [Float], _ b: [Float]) -> Float {
        XCTAssertEqual(a.count, b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    /// Prefills `sequence[..<prompt]`, then decodes the rest one token at a time; at every step the cached logits'
    /// log-softmax must match `forward`, both at the next token (one batch over the whole sequence) and over the
    /// whole vocabulary (a batch per prefix). The prefill path alone is checked at every prefix length too.
    private func assertCachedStepsMatchForward(_ model: Transformer, _ sequence: [Int32], prompt: Int, name: String) throws {
        var batch = PackedBatch()
        batch.appendSequence(sequence, targetMask: Array(repeating: true, count: sequence.count))
        let sequenceLogps = try model.forward(batch)  // sequenceLogps[t − 1] is log p(sequence[t] | sequence[..<t])
        let session = try BatchGenerationSession(model: model, sequences: 1, capacity: sequence.count)
        try session.prefill([Array(sequence[..<prompt])])
        var worst: Float = 0
        for t in prompt..<sequence.count {
            let cached = logSoftmax(Array(session.logits(0)))
            worst = max(worst, abs(cached[Int(sequence[t])] - sequenceLogps[t - 1]))
            worst = max(worst, maxAbsError(cached, try forwardDistribution(model, Array(sequence[..<t]))))
            if t < sequence.count - 1 { try session.decode([sequence[t]]) }
        }
        XCTAssertEqual(session.counts, [sequence.count - 1])
        for t in 1..<sequence.count {
            let prefilled = logSoftmax(try model.nextTokenLogits(Array(sequence[..<t])))
            worst = max(worst, abs(prefilled[Int(sequence[t])] - sequenceLogps[t - 1]))
        }
        print("\(name): \(sequence.count) tokens, prompt \(prompt); max abs log-prob error \(worst)")
        XCTAssertLessThanOrEqual(worst, 1e-4, name)
    }

    func testCachedStepsMatchForwardOnRandomGroupedQueryModel() throws {
        let model = try randomModel()
        let sequence = randomTokens(24, vocab: model.config.vocabSize, seed: 5)
        try assertCachedStepsMatchForward(model, sequence, prompt: 5, name: "random GQA")
        // A one-token prompt takes the decode kernel from the first position.
        try assertCachedStepsMatchForward(model, sequence, prompt: 1, name: "random GQA, one-token prompt")
    }

    func testCachedStepsMatchForwardOnGoldenFixture() throws {
        let (model, sequence) = try goldenModel()
        try assertCachedStepsMatchForward(model, sequence, prompt: 7, name: "golden gqa_tied")
    }

    /// Greedy generation must reproduce argmax decoding by full re-runs without a cache.
    func testGreedyGenerationEqualsRepeatedFullArgmax() throws {
        let random = try randomModel()
        let golden = try goldenModel()
        for (name, model, prompt) in [("random GQA", random, randomTokens(6, vocab: 37, seed: 9)),
                                      ("golden gqa_tied", golden.model, Array(golden.sequence.prefix(6)))] {
            let generated = try model.generate(prompt: prompt, settings: .greedy(maxNewTokens: 10), stopTokens: [])
            var sequence = prompt
            var expected: [Int32] = []
            for _ in 0..<10 {
                let distribution = try forwardDistribution(model, sequence)
                let next = Int32(distribution.indices.max { distribution[$0] < distribution[$1] || (distribution[$0] == distribution[$1] && $0 > $1) }!)
                expected.append(next)
                sequence.append(next)
            }
            XCTAssertEqual(generated, expected, name)
            print("\(name): greedy \(generated)")
        }
    }

    func testSeedsReproduceSamplesAndNarrowFiltersAreGreedy() throws {
        let model = try randomModel()
        let prompt = randomTokens(4, vocab: 37, seed: 2)
        func run(_ settings: SamplingSettings) throws -> [Int32] {
            try model.generate(prompt: prompt, settings: settings, stopTokens: [])
        }
        let sample = try run(SamplingSettings(maxNewTokens: 12, seed: 7))
        XCTAssertEqual(try run(SamplingSettings(maxNewTokens: 12, seed: 7)), sample)
        let samples = try Set((0..<5).map { try run(SamplingSettings(maxNewTokens: 12, seed: UInt64($0))) })
        XCTAssertGreaterThan(samples.count, 1, "five seeds gave one sample")
        let greedy = try run(.greedy(maxNewTokens: 12))
        XCTAssertEqual(try run(SamplingSettings(temperature: 1.5, topK: 1, maxNewTokens: 12, seed: 3)), greedy)
        XCTAssertEqual(try run(SamplingSettings(temperature: 1.5, topP: 1e-6, maxNewTokens: 12, seed: 3)), greedy)
    }

    func testStopTokenEndsGenerationAndIsIncluded() throws {
        let model = try randomModel()
        let prompt = randomTokens(5, vocab: 37, seed: 4)
        let full = try model.generate(prompt: prompt, settings: .greedy(maxNewTokens: 12), stopTokens: [])
        XCTAssertEqual(full.count, 12)
        let stop = full[4]
        let stopped = try model.generate(prompt: prompt, settings: .greedy(maxNewTokens: 12), stopTokens: [stop, 99])
        XCTAssertEqual(stopped, Array(full[...full.firstIndex(of: stop)!]))
        XCTAssertEqual(try model.generate(prompt: prompt, settings: .greedy(maxNewTokens: 0), stopTokens: []), [])
    }

    func testContextLimitAndBadInputsAreClearErrors() throws {
        let model = try randomModel()  // max_position_embeddings 64
        let prompt = randomTokens(60, vocab: 37, seed: 8)
        XCTAssertEqual(try model.generate(prompt: prompt, settings: SamplingSettings(maxNewTokens: 4), stopTokens: []).count, 4)
        XCTAssertThrowsError(try model.generate(prompt: prompt, settings: SamplingSettings(maxNewTokens: 5), stopTokens: [])) { error in
            XCTAssertEqual(error as? GenerationError, .contextTooLong(positions: 65, limit: 64))
            XCTAssertTrue("\(error)".contains("max_position_embeddings 64"), "\(error)")
        }
        XCTAssertThrowsError(try BatchGenerationSession(model: model, sequences: 1, capacity: 65))
        let session = try BatchGenerationSession(model: model, sequences: 1, capacity: 2)
        try session.prefill([[1, 2]])
        XCTAssertThrowsError(try session.decode([3])) { XCTAssertEqual($0 as? GenerationError, .cacheFull(capacity: 2)) }
        XCTAssertThrowsError(try session.prefill([[1]])) { XCTAssertTrue("\($0)".contains("prefill starts the sequences")) }
        let badInputs: [([Int32], SamplingSettings, String)] = [
            ([], SamplingSettings(maxNewTokens: 4), "prompt is empty"),
            ([], SamplingSettings(maxNewTokens: 0), "prompt is empty"),
            ([3, 37], SamplingSettings(maxNewTokens: 4), "token id 37 is outside the vocabulary"),
            ([3], SamplingSettings(temperature: -1, maxNewTokens: 4), "temperature"),
            ([3], SamplingSettings(topK: 0, maxNewTokens: 4), "top-k"),
            ([3], SamplingSettings(topP: 1.5, maxNewTokens: 4), "top-p"),
            ([3], SamplingSettings(maxNewTokens: -1), "max new tokens"),
        ]
        for (prompt, settings, expected) in badInputs {
            XCTAssertThrowsError(try model.generate(prompt: prompt, settings: settings, stopTokens: [])) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }

    /// Sampling between a training step's forward and backward must not change its gradients.
    func testGenerationLeavesTheModelsForwardPassIntact() throws {
        let model = try randomModel()
        var batch = PackedBatch()
        batch.appendShared(prompt: randomTokens(7, vocab: 37, seed: 1), completions: [randomTokens(5, vocab: 37, seed: 2)])
        let dlogp = [Float](repeating: -1, count: batch.targetCount)
        model.zeroGradients()
        _ = try model.forward(batch)
        model.backward(dlogp)
        let reference = model.gradients.array(model.parameterCount)
        model.zeroGradients()
        _ = try model.forward(batch)
        _ = try model.generate(prompt: randomTokens(20, vocab: 37, seed: 3), settings: SamplingSettings(maxNewTokens: 8), stopTokens: [])
        model.backward(dlogp)
        XCTAssertEqual(model.gradients.array(model.parameterCount), reference)
    }
}
