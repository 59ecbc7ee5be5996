import Determinism
import Model
import Training
import XCTest

/// Scoring samples: each completion once, prompts shared by consecutive completions, against each sequence run
/// alone through `forward` (a packing of its own), which is the independent reference here.
final class CompletionLogProbsTests: XCTestCase {
    private func model() throws -> Transformer {
        let config = TransformerConfig(vocabSize: 13, hiddenSize: 8, intermediateSize: 12, layers: 2, heads: 2, kvHeads: 1,
                                       rmsNormEps: 1e-5, ropeTheta: 10_000, tieWordEmbeddings: true, maxPositions: 32)
        let model = try Transformer(config: config)
        model.initializeRandom(seed: 5, std: 0.3)
        return model
    }

    /// The completion's tokens' log-probs, the sequence alone in its batch.
    private func alone(_ model: Transformer, _ prompt: [Int32], _ completion: [Int32]) throws -> Double {
        guard !completion.isEmpty else { return 0 }
        var batch = PackedBatch()
        let mask = prompt.isEmpty ? [false] + Array(repeating: true, count: completion.count - 1)
            : Array(repeating: false, count: prompt.count) + Array(repeating: true, count: completion.count)
        batch.appendSequence(prompt + completion, targetMask: mask)
        return try model.forward(batch).reduce(0) { $0 + Double($1) }
    }

    func testEveryCompletionScoresAsItsSequenceAloneWhateverItsNeighbours() throws {
        let model = try model()
        let first: [Int32] = [1, 4, 6], second: [Int32] = [2, 3]
        // Two completions of `first` side by side (shared), `second`, `first` again apart, an empty completion and a
        // completion without a prompt.
        let prompts = [first, first, second, first, second, []]
        let completions: [[Int32]] = [[7, 8, 0], [9, 2], [5, 5, 5, 1], [11, 3], [], [4, 12, 6]]
        let expected = try zip(prompts, completions).map { try alone(model, $0, $1) }
        for batchSize in [1, 2, 16] {
            let scored = try completionLogProbs(model: model, prompts: prompts, completions: completions, batchSize: batchSize)
            XCTAssertEqual(scored.count, completions.count)
            for (index, (value, reference)) in zip(scored, expected).enumerated() {
                XCTAssertEqual(value, reference, accuracy: 1e-4, "completion \(index), batch size \(batchSize)")
            }
            XCTAssertEqual(scored[4], 0, "an empty completion scores 0")
        }
        XCTAssertLessThan(expected[0], 0)
        XCTAssertNotEqual(expected[0], expected[1], accuracy: 1e-3, "distinct completions score differently")
    }
}
