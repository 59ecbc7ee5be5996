import Determinism
import Foundation
import Kernels
import Model
import XCTest

/// `SamplingSettings.sample` on fixed logits, apart from any model: greedy ties, temperature, top-k and top-p as
/// distributions (frequencies of many seeded draws within 4σ of the expected counts), and the settings' coding.
final class GenerationSamplingTests: XCTestCase {
    private func sample(_ logits: [Float], _ settings: SamplingSettings, _ generator: inout SeededGenerator) -> Int32 {
        var scratch = logits
        return scratch.withUnsafeMutableBufferPointer { settings.sample($0, using: &generator) }
    }

    /// Draws `draws` tokens and checks each token's count against `expected` probabilities within 4σ (binomial).
    private func assertFrequencies(
        _ logits: [Float], _ settings: SamplingSettings, expected: [Double], draws: Int = 2000,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var generator = SeededGenerator(seed: 42)
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<draws { counts[Int(sample(logits, settings, &generator))] += 1 }
        for (token, p) in expected.enumerated() {
            let mean = Double(draws) * p
            let sigma = (Double(draws) * p * (1 - p)).squareRoot()
            XCTAssertLessThanOrEqual(abs(Double(counts[token]) - mean), 4 * sigma + 1e-9,
                                     "token \(token): \(counts[token]) of \(draws), expected \(mean) ± \(sigma)", file: file, line: line)
        }
        print("\(settings): counts \(counts), expected \(expected.map { Double(draws) * $0 })")
    }

    private func softmax(_ logits: [Float], temperature: Float) -> [Double] {
        let weights = logits.map { Foundation.exp(Double($0 / temperature)) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    func testGreedyTakesTheLowestIdAmongMaxima() {
        var generator = SeededGenerator(seed: 1)
        let before = generator
        XCTAssertEqual(sample([1, 3, 3, 0], .greedy(), &generator), 1)
        XCTAssertEqual(generator, before, "greedy decoding draws nothing")
        XCTAssertEqual(sample([1, 3, 3, 0], SamplingSettings(topK: 1), &generator), 1)
        XCTAssertEqual(sample([-.infinity, -5, -7], .greedy(), &generator), 1)
    }

    func testTemperatureScalesTheDistribution() {
        let logits: [Float] = [0, 1, 2]
        for temperature: Float in [0.5, 1, 2] {
            assertFrequencies(logits, SamplingSettings(temperature: temperature),
                              expected: softmax(logits, temperature: temperature))
        }
    }

    func testTopKKeepsTheMostLikelyAndRenormalizes() {
        let logits: [Float] = [0, 1, 2, -1]
        let kept = softmax([1, 2], temperature: 1)
        assertFrequencies(logits, SamplingSettings(topK: 2), expected: [0, kept[0], kept[1], 0])
        assertFrequencies(logits, SamplingSettings(topK: 10), expected: softmax(logits, temperature: 1))
    }

    /// Probabilities 0.1, 0.3, 0.6: top-p 0.5 keeps token 2 alone (0.6 ≥ 0.5), 0.7 adds token 1 (0.9 ≥ 0.7),
    /// 0.95 keeps all three.
    func testTopPKeepsTheSmallestSetReachingP() {
        let logits = [0.1, 0.3, 0.6].map { Float(Foundation.log($0)) }
        assertFrequencies(logits, SamplingSettings(topP: 0.5), expected: [0, 0, 1])
        assertFrequencies(logits, SamplingSettings(topP: 0.7), expected: [0, 1.0 / 3, 2.0 / 3])
        assertFrequencies(logits, SamplingSettings(topP: 0.95), expected: [0.1, 0.3, 0.6])
        // Top-k first, then top-p over what top-k kept: {1, 2} renormalized to 1/3, 2/3, and 0.6 < 2/3.
        assertFrequencies(logits, SamplingSettings(topK: 2, topP: 0.6), expected: [0, 0, 1])
    }

    /// On a 500-token vocabulary, every draw equals a plain reference: tempered softmax, a full sort, top-k, then
    /// Hugging Face's nucleus (drop, from the least likely up, tokens whose ascending cumulative probability is at
    /// most 1 − p, keeping the most likely), then the same walk over the kept tokens.
    func testFiltersEqualAFullSortReference() {
        var generator = SeededGenerator(seed: 5)
        let logits = (0..<500).map { _ in 2.5 * generator.nextNormal() }
        for settings in [SamplingSettings(temperature: 0.9, topP: 0.9), SamplingSettings(topP: 0.3),
                         SamplingSettings(topK: 20), SamplingSettings(temperature: 1.2, topK: 50, topP: 0.8),
                         SamplingSettings(topK: 500, topP: 1)] {
            var ours = SeededGenerator(seed: 6), theirs = ours
            for _ in 0..<300 {
                XCTAssertEqual(sample(logits, settings, &ours), referenceSample(logits, settings, &theirs), "\(settings)")
            }
        }
    }

    /// Without top-k or top-p the sampler skips whole blocks by their sums; every draw still equals a walk over all
    /// the tokens in order, on vocabularies whose last block is short (with and without a partial eight lanes).
    func testDrawOverTheWholeVocabularyEqualsAWalkInTokenOrder() {
        var generator = SeededGenerator(seed: 7)
        for (vocab, temperature) in [(1003, Float(1)), (4104, 0.7), (64, 1.3), (5, 1)] {
            let logits = (0..<vocab).map { _ in 3 * generator.nextNormal() }
            let weights = temperedWeights(logits, temperature: temperature)
            var ours = SeededGenerator(seed: 8), theirs = ours
            for _ in 0..<500 {
                var remaining = Double(theirs.nextUniform()) * weights.reduce(0.0) { $0 + Double($1) }
                let expected = weights.indices.first { remaining -= Double(weights[$0]); return remaining < 0 } ?? vocab - 1
                XCTAssertEqual(sample(logits, SamplingSettings(temperature: temperature), &ours), Int32(expected),
                               "vocabulary \(vocab), temperature \(temperature)")
            }
        }
    }

    /// The sampler's weights are e^((logit − max) / T) within 2 ulp of `expf`, and each block sum is its weights'.
    func testTemperedWeightsAreTheExponentialsAndBlockSums() {
        var generator = SeededGenerator(seed: 9)
        let logits = (0..<203).map { _ in 4 * generator.nextNormal() }
        let maximum = logits.max()!
        var weights = logits
        var sums = [Float](repeating: .nan, count: 4)
        temperedSoftmaxWeights(&weights, weights.count, temperature: 0.8, blockSums: &sums, blockSize: 64)
        for (weight, logit) in zip(weights, logits) {
            let exact = Foundation.exp((logit - maximum) / 0.8)
            XCTAssertLessThanOrEqual(abs(weight - exact), 2 * exact.ulp, "logit \(logit)")
        }
        XCTAssertEqual(weights[logits.firstIndex(of: maximum)!], 1)
        for block in 0..<4 {
            let part = weights[block * 64..<min(203, (block + 1) * 64)]
            XCTAssertEqual(Double(sums[block]), part.reduce(0.0) { $0 + Double($1) }, accuracy: 1e-5, "block \(block)")
        }
    }

    private func temperedWeights(_ logits: [Float], temperature: Float) -> [Float] {
        var weights = logits
        var sums = [Float](repeating: 0, count: (logits.count + 63) / 64)
        temperedSoftmaxWeights(&weights, weights.count, temperature: temperature, blockSums: &sums, blockSize: 64)
        return weights
    }

    /// The filters' reference, over the sampler's own weights (`temperedSoftmaxWeights`, checked above).
    private func referenceSample(_ logits: [Float], _ settings: SamplingSettings, _ generator: inout SeededGenerator) -> Int32 {
        let weights = temperedWeights(logits, temperature: settings.temperature)
        var order = weights.indices.sorted { weights[$0] > weights[$1] || (weights[$0] == weights[$1] && $0 < $1) }
        order = Array(order.prefix(settings.topK ?? order.count))
        if let topP = settings.topP {
            let total = order.reduce(0.0) { $0 + Double(weights[$1]) }
            var ascendingCumulative = 0.0
            var dropped = 0
            for id in order.dropFirst().reversed() {
                ascendingCumulative += Double(weights[id]) / total
                if ascendingCumulative > 1 - Double(topP) { break }
                dropped += 1
            }
            order.removeLast(dropped)
        }
        let total = order.reduce(0.0) { $0 + Double(weights[$1]) }
        var remaining = Double(generator.nextUniform()) * total
        for id in order {
            remaining -= Double(weights[id])
            if remaining < 0 { return Int32(id) }
        }
        return Int32(order.last!)
    }

    func testSameGeneratorStateGivesTheSameDraws() {
        let logits: [Float] = (0..<50).map { Float($0 % 7) * 0.3 }
        let settings = SamplingSettings(temperature: 1.3, topP: 0.9)
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        let first = (0..<100).map { _ in sample(logits, settings, &a) }
        XCTAssertEqual((0..<100).map { _ in sample(logits, settings, &b) }, first)
        var c = SeededGenerator(seed: 10)
        XCTAssertNotEqual((0..<100).map { _ in sample(logits, settings, &c) }, first)
    }

    func testSettingsDecodeWithDefaultsAndRoundTrip() throws {
        let partial = try JSONDecoder().decode(SamplingSettings.self, from: Data(#"{"temperature": 0.7, "topP": 0.9}"#.utf8))
        XCTAssertEqual(partial, SamplingSettings(temperature: 0.7, topP: 0.9))
        let full = SamplingSettings(temperature: 0, topK: 5, topP: 0.5, maxNewTokens: 3, seed: 12)
        XCTAssertEqual(try JSONDecoder().decode(SamplingSettings.self, from: JSONEncoder().encode(full)), full)
    }
}
