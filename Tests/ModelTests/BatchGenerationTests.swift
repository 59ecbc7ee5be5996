import Determinism
import Foundation
import Kernels
import Model
import TestSupport
import XCTest

/// Batched generation against single-sequence generation: at every step each sequence's logits must equal, bit
/// for bit, those of a session of that sequence alone fed the same tokens (so within any tolerance; a session of
/// one is checked against the model's full forward in `GenerationTests`), greedy batches must give
/// every prompt the tokens `generate(prompt:)` gives it, a sequence's samples must not depend on the rest of the
/// batch, finished sequences must leave the batch without disturbing the others, and bad inputs must be
/// `GenerationError`s.
final class BatchGenerationTests: XCTestCase {
    /// A small grouped-query model (4 query heads over 2 key/value heads, head dimension 4) with weights large
    /// enough that its next-token distributions are far from uniform; the shape `GenerationTests` uses.
    private func randomModel(kvHeads: Int = 2, seed: UInt64 = 11, maxPositions: Int = 64) throws -> Transformer {
        let config = TransformerConfig(vocabSize: 37, hiddenSize: 16, intermediateSize: 24, layers: 2, heads: 4,
                                       kvHeads: kvHeads, maxPositions: maxPositions)
        let model = try Transformer(config: config)
        model.initializeRandom(seed: seed, std: 0.4)
        return model
    }

    /// The golden fixture exported from transformers: 4 query heads over 1 key/value head, tied embeddings.
    private func goldenModel() throws -> Transformer {
        try Transformer.load(directory: fixturesDirectory.appendingPathComponent("golden/gqa_tied"))
    }

    private func randomTokens(_ count: Int, vocab: Int, _ generator: inout SeededGenerator) -> [Int32] {
        (0..<count).map { _ in Int32(generator.next() % UInt64(vocab)) }
    }

    /// max |a − b| relative to the largest |b| (logits are compared as a whole: single entries may be near 0).
    private func relativeError(_ a: UnsafeMutableBufferPointer<Float>, _ b: UnsafeMutableBufferPointer<Float>) -> Float {
        XCTAssertEqual(a.count, b.count)
        let largest = b.map(abs).max() ?? 0
        return zip(a, b).map { abs($0 - $1) }.max()! / max(largest, 1e-6)
    }

    // MARK: - Kernel

    /// Each row of the batched decode attention equals the same kernel run on that row alone, bit for bit,
    /// whatever the other rows' slots and lengths: rows are independent.
    func testBatchDecodeAttentionRowsAreIndependent() {
        var generator = SeededGenerator(seed: testSeed(#function))
        for (heads, kvHeads, headDim) in [(4, 2, 6), (3, 3, 16), (6, 1, 10), (9, 3, 64)] {
            let shape = AttentionShape(heads: heads, kvHeads: kvHeads, headDim: headDim)
            let slotCount = 5, capacity = 23
            let lengths: [Int32] = [1, 23, 7, 12]
            let slots: [Int32] = [3, 0, 4, 1]
            let rows = lengths.count
            let cacheCount = slotCount * kvHeads * capacity * headDim
            let keys = (0..<cacheCount).map { _ in generator.nextNormal() }
            let values = (0..<cacheCount).map { _ in generator.nextNormal() }
            let qkv = (0..<rows * shape.qkvStride).map { _ in generator.nextNormal() }
            var out = [Float](repeating: .nan, count: rows * shape.outStride)
            var scores = [Float](repeating: .nan, count: rows * heads * capacity)
            batchDecodeAttentionForward(&out, &scores, qkv, keys, values, slots: slots, lengths: lengths, rows: rows,
                                        capacity: capacity, shape: shape)
            for row in 0..<rows {
                let alone = Array(qkv[row * shape.qkvStride..<(row + 1) * shape.qkvStride])
                var expected = [Float](repeating: .nan, count: shape.outStride)
                var single = [Float](repeating: .nan, count: heads * capacity)
                batchDecodeAttentionForward(&expected, &single, alone, keys, values, slots: [slots[row]],
                                            lengths: [lengths[row]], rows: 1, capacity: capacity, shape: shape)
                XCTAssertEqual(Array(out[row * shape.outStride..<(row + 1) * shape.outStride]), expected,
                               "heads \(heads)/\(kvHeads), headDim \(headDim), row \(row)")
            }
        }
    }

    /// Every output of the batched one-row kernel is one chain of fused multiply-adds over the input in order (the
    /// scalar loop below), bit for bit, whatever the number of rows: so a row's result does not depend on the rows
    /// beside it, and one row alone gives the same. Shapes with ragged tails (sizes not multiples of the
    /// eight lanes or of the six or twelve outputs handled at once) and row counts on both sides of each block of
    /// eight rows; on a CPU with AVX-512, 9 rows and more go through its kernels (25 and more through the one for
    /// four blocks, also with its last block partial: 27, and followed by two blocks or one: 33, 75).
    func testBatchMatvecIsOneChainPerOutputWhateverTheRows() {
        var generator = SeededGenerator(seed: testSeed(#function))
        for (inDim, outDim) in [(1, 1), (7, 5), (13, 6), (16, 32), (37, 11), (576, 97)] {
            let weight = (0..<inDim * outDim).map { _ in generator.nextNormal() }
            for rows in [1, 2, 3, 5, 8, 9, 16, 17, 27, 33, 40, 64, 75] {
                let inp = (0..<rows * inDim).map { _ in generator.nextNormal() }
                var out = [Float](repeating: .nan, count: rows * outDim)
                batchMatvecForward(&out, inp, weight, rows: rows, inDim: inDim, outDim: outDim)
                for row in 0..<rows {
                    let chains = (0..<outDim).map { o in
                        (0..<inDim).reduce(Float(0)) { $0.addingProduct(weight[o * inDim + $1], inp[row * inDim + $1]) }
                    }
                    XCTAssertEqual(Array(out[row * outDim..<(row + 1) * outDim]), chains, "\(outDim)×\(inDim), row \(row) of \(rows)")
                }
            }
        }
    }

    // MARK: - Logits

    /// Runs a batch session and a session of one sequence per prompt side by side, feeding both the same tokens
    /// (`continuations[i][k]` as sequence i's k-th token), finishing sequence i after `stopAfter[i]` tokens, and
    /// returns the largest relative logit difference over every active sequence and step, and how many of the
    /// compared logit vectors differed at all.
    private func worstLogitError(_ model: Transformer, prompts: [[Int32]], continuations: [[Int32]],
                                 stopAfter: [Int]) throws -> (worst: Float, differing: Int) {
        let capacity = prompts.map(\.count).max()! + continuations.map(\.count).max()!
        let batch = try BatchGenerationSession(model: model, sequences: prompts.count, capacity: capacity)
        let singles = try prompts.map { _ in try BatchGenerationSession(model: model, sequences: 1, capacity: capacity) }
        try batch.prefill(prompts)
        for (session, prompt) in zip(singles, prompts) { try session.prefill([prompt]) }
        var worst: Float = 0, differing = 0
        var fed = [Int](repeating: 0, count: prompts.count)
        var steps = 0
        while !batch.active.isEmpty {
            for sequence in batch.active {
                worst = max(worst, relativeError(batch.logits(sequence), singles[sequence].logits(0)))
                if Array(batch.logits(sequence)) != Array(singles[sequence].logits(0)) { differing += 1 }
                XCTAssertEqual(batch.counts[sequence], singles[sequence].counts[0])
            }
            for sequence in batch.active where fed[sequence] == stopAfter[sequence] { batch.finish(sequence) }
            let tokens = batch.active.map { continuations[$0][fed[$0]] }
            for sequence in batch.active {
                try singles[sequence].decode([continuations[sequence][fed[sequence]]])
                fed[sequence] += 1
            }
            try batch.decode(tokens)
            steps += 1
        }
        XCTAssertEqual(fed, stopAfter, "every sequence was fed up to its stop")
        XCTAssertEqual(steps, stopAfter.max()! + 1)
        return (worst, differing)
    }

    func testBatchedLogitsMatchSingleSessionsAtEveryStep() throws {
        var generator = SeededGenerator(seed: testSeed(#function))
        let models = [("random GQA 4/2", try randomModel()), ("random MHA 4/4", try randomModel(kvHeads: 4)),
                      ("golden gqa_tied 4/1", try goldenModel())]
        for (name, model) in models {
            let vocab = model.config.vocabSize
            // Prompt lengths 1 to 13: a one-token prompt among long ones, and no two the same.
            let prompts = [6, 1, 13, 3].map { randomTokens($0, vocab: vocab, &generator) }
            let continuations = prompts.map { _ in randomTokens(10, vocab: vocab, &generator) }
            // Sequences leave the batch at different steps (one right after the prefill), the others go on.
            let (worst, differing) = try worstLogitError(model, prompts: prompts, continuations: continuations,
                                                         stopAfter: [10, 0, 4, 7])
            print("\(name): max relative logit difference, batch vs single, \(worst); \(differing) steps not bit-identical")
            XCTAssertLessThanOrEqual(worst, 1e-4, name)
            XCTAssertEqual(differing, 0, "\(name): the batch computes each row as a session of that sequence alone does")
        }
    }

    /// The prefill packs short prompts into shared passes (up to 256 rows, one-token prompts only with each other)
    /// and gives a prompt of 64 tokens or more a pass of its own through `sgemm`: every mix must still leave each
    /// sequence with the logits of a session of its prompt alone, bit for bit. Here the short prompts fill more than
    /// one pass.
    func testPackedPrefillOfMixedLengthsMatchesSingleSessions() throws {
        var generator = SeededGenerator(seed: testSeed(#function))
        let model = try randomModel(maxPositions: 128)
        let lengths = [1, 70, 2, 1, 63, 64, 40, 60, 50, 45, 1, 7]
        let prompts = lengths.map { randomTokens($0, vocab: 37, &generator) }
        let continuations = prompts.map { _ in randomTokens(3, vocab: 37, &generator) }
        let (worst, differing) = try worstLogitError(model, prompts: prompts, continuations: continuations,
                                                     stopAfter: Array(repeating: 3, count: prompts.count))
        XCTAssertLessThanOrEqual(worst, 1e-4)
        XCTAssertEqual(differing, 0, "each prompt's pass computes its rows as a session of that prompt alone does")
    }

    // MARK: - Generation

    func testGreedyBatchedEqualsSingleSequenceGeneration() throws {
        var generator = SeededGenerator(seed: testSeed(#function))
        for (name, model) in [("random GQA", try randomModel()), ("golden gqa_tied", try goldenModel())] {
            let prompts = [5, 2, 9, 1, 4].map { randomTokens($0, vocab: model.config.vocabSize, &generator) }
            let settings = SamplingSettings.greedy(maxNewTokens: 12)
            let batched = try model.generate(prompts: prompts, settings: settings, stopTokens: [])
            let single = try prompts.map { try model.generate(prompt: $0, settings: settings, stopTokens: []) }
            XCTAssertEqual(batched, single, name)
            XCTAssertEqual(batched.map(\.count), Array(repeating: 12, count: prompts.count))
            print("\(name): greedy \(batched)")
        }
    }

    /// Sequence i's samples are those of its prompt alone with seed `settings.seed(forSequence: i)`: the same
    /// in a batch of one, among other prompts in another order, and from `generate(prompt:)`.
    func testSampledTokensDoNotDependOnTheRestOfTheBatch() throws {
        var generator = SeededGenerator(seed: testSeed(#function))
        let model = try randomModel()
        let prompts = [4, 8, 1, 6].map { randomTokens($0, vocab: 37, &generator) }
        for settings in [SamplingSettings(maxNewTokens: 10, seed: 7),
                         SamplingSettings(temperature: 0.8, topK: 5, topP: 0.9, maxNewTokens: 10, seed: 123)] {
            let batched = try model.generate(prompts: prompts, settings: settings, stopTokens: [])
            XCTAssertEqual(try model.generate(prompts: prompts, settings: settings, stopTokens: []), batched, "repeatable")
            XCTAssertEqual(batched[0], try model.generate(prompt: prompts[0], settings: settings, stopTokens: []),
                           "sequence 0 uses the seed itself")
            for i in prompts.indices {
                let seed = settings.seed(forSequence: i)
                var own = settings
                own.seed = seed
                XCTAssertEqual(try model.generate(prompts: [prompts[i]], seeds: [seed], settings: settings, stopTokens: []),
                               [batched[i]], "sequence \(i) alone")
                XCTAssertEqual(try model.generate(prompt: prompts[i], settings: own, stopTokens: []), batched[i],
                               "sequence \(i) single")
                // Among other prompts, in another place of the batch.
                let others = [randomTokens(3, vocab: 37, &generator), prompts[i], randomTokens(11, vocab: 37, &generator)]
                let mixed = try model.generate(prompts: others, seeds: [99, seed, 5], settings: settings, stopTokens: [])
                XCTAssertEqual(mixed[1], batched[i], "sequence \(i) among others")
            }
        }
        // The same prompt in every row still gets a different draw in each.
        let same = try model.generate(prompts: Array(repeating: prompts[1], count: 4),
                                      settings: SamplingSettings(maxNewTokens: 10, seed: 7), stopTokens: [])
        XCTAssertGreaterThan(Set(same).count, 1, "four rows of one prompt drew one sample")
    }

    func testSeedDerivation() {
        let settings = SamplingSettings(seed: 42)
        XCTAssertEqual(settings.seed(forSequence: 0), 42)
        XCTAssertEqual(settings.seed(forSequence: 3), 42 ^ (3 &* 0x9E37_79B9_7F4A_7C15))
        // Consecutive seeds (one per step) never share a stream between their batches' sequences.
        let streams = (0..<64).flatMap { seed in (0..<64).map { SamplingSettings(seed: UInt64(seed)).seed(forSequence: $0) } }
        XCTAssertEqual(Set(streams).count, streams.count)
    }

    /// Sequences that reach a stop token leave the batch; the others continue exactly as they would alone.
    func testSequencesThatStopEarlyLeaveAndTheOthersContinue() throws {
        var generator = SeededGenerator(seed: testSeed(#function))
        let model = try randomModel()
        let prompts = [5, 3, 8, 2, 6].map { randomTokens($0, vocab: 37, &generator) }
        let settings = SamplingSettings(maxNewTokens: 14, seed: 3)
        let free = try model.generate(prompts: prompts, settings: settings, stopTokens: [])
        // A stop token that ends some sequences early but not all of them.
        let stop = try XCTUnwrap((0..<37).map(Int32.init).first { token in
            let stopping = free.filter { $0.dropLast().contains(token) }.count
            return stopping >= 2 && stopping < prompts.count
        })
        let stopped = try model.generate(prompts: prompts, settings: settings, stopTokens: [stop])
        for i in prompts.indices {
            if let end = free[i].firstIndex(of: stop) {
                XCTAssertEqual(stopped[i], Array(free[i][...end]), "sequence \(i) ends at its stop token")
            } else {
                XCTAssertEqual(stopped[i], free[i], "sequence \(i) runs to max new tokens")
            }
            var own = settings
            own.seed = settings.seed(forSequence: i)
            XCTAssertEqual(stopped[i], try model.generate(prompt: prompts[i], settings: own, stopTokens: [stop]))
        }
        print("stop token \(stop): lengths \(stopped.map(\.count)) of at most 14")
        XCTAssertTrue(stopped.contains { $0.count < 14 } && stopped.contains { $0.count == 14 })

        // The session's batch shrinks as sequences finish: a step feeds only the active rows.
        let session = try BatchGenerationSession(model: model, sequences: 3, capacity: 16)
        try session.prefill(Array(prompts.prefix(3)))
        XCTAssertEqual(session.active, [0, 1, 2])
        session.finish(1)
        XCTAssertEqual(session.active, [0, 2])
        try session.decode([4, 5])
        XCTAssertEqual(session.counts, [prompts[0].count + 1, prompts[1].count, prompts[2].count + 1])
        XCTAssertThrowsError(try session.decode([4, 5, 6])) { XCTAssertTrue("\($0)".contains("3 tokens for 2 active")) }
    }

    func testErrorsAreGenerationErrors() throws {
        let model = try randomModel()  // max_position_embeddings 64
        XCTAssertEqual(try model.generate(prompts: [], settings: SamplingSettings(), stopTokens: []), [])
        XCTAssertEqual(try model.generate(prompts: [[1], [2, 3]], settings: .greedy(maxNewTokens: 0), stopTokens: []), [[], []])
        let long = (0..<60).map { Int32($0 % 37) }
        XCTAssertEqual(try model.generate(prompts: [[1, 2], long], settings: SamplingSettings(maxNewTokens: 4), stopTokens: [])
            .map(\.count), [4, 4])
        XCTAssertThrowsError(try model.generate(prompts: [[1, 2], long], settings: SamplingSettings(maxNewTokens: 5), stopTokens: [])) {
            XCTAssertEqual($0 as? GenerationError, .contextTooLong(positions: 65, limit: 64))
        }
        XCTAssertThrowsError(try BatchGenerationSession(model: model, sequences: 2, capacity: 65)) {
            XCTAssertEqual($0 as? GenerationError, .contextTooLong(positions: 65, limit: 64))
        }
        let badInputs: [([[Int32]], SamplingSettings, String)] = [
            ([[3, 4], []], SamplingSettings(maxNewTokens: 4), "prompt is empty (prompt 1 of 2)"),
            ([[3], [3, 37]], SamplingSettings(maxNewTokens: 4), "token id 37 is outside the vocabulary"),
            ([[3], [-1]], SamplingSettings(maxNewTokens: 4), "token id -1 is outside the vocabulary"),
            ([[3]], SamplingSettings(temperature: -1, maxNewTokens: 4), "temperature"),
            ([[3]], SamplingSettings(topP: 1.5, maxNewTokens: 4), "top-p"),
            ([[3]], SamplingSettings(maxNewTokens: -1), "max new tokens"),
        ]
        for (prompts, settings, expected) in badInputs {
            XCTAssertThrowsError(try model.generate(prompts: prompts, settings: settings, stopTokens: [])) { error in
                XCTAssertNotNil(error as? GenerationError, "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
        // The session's own limits.
        let session = try BatchGenerationSession(model: model, sequences: 2, capacity: 3)
        XCTAssertThrowsError(try session.prefill([[1]])) { XCTAssertTrue("\($0)".contains("1 prompts for a session of 2")) }
        XCTAssertThrowsError(try session.prefill([[1], [1, 2, 3, 4]])) { XCTAssertEqual($0 as? GenerationError, .cacheFull(capacity: 3)) }
        try session.prefill([[1, 2], [1, 2, 3]])
        XCTAssertThrowsError(try session.decode([4, 5])) { XCTAssertEqual($0 as? GenerationError, .cacheFull(capacity: 3)) }
        session.finish(1)
        try session.decode([4])
        XCTAssertEqual(session.counts, [3, 3])
        XCTAssertThrowsError(try session.prefill([[1], [2]])) { XCTAssertTrue("\($0)".contains("prefill starts")) }
    }
}
