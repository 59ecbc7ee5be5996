import Determinism
import Foundation
import Kernels

/// How `Transformer.generate` picks each new token from the logits: temperature, then top-k, then top-p (nucleus),
/// then one draw from what remains, in the order Hugging Face's `generate` applies its logits warpers.
///
/// Every field has a default, and decoding fills in whichever are missing, so an experiment file can name just the
/// ones it changes (`temperature: 0.7`).
public struct SamplingSettings: Sendable, Equatable, Codable {
    /// Divides the logits: below 1 sharpens the distribution, above 1 flattens it. 0 means greedy decoding, the
    /// most likely token (the lowest id among equals), with top-k, top-p and the seed ignored.
    public var temperature: Float = 1
    /// Keeps only the k most likely tokens (at the k-th place, equal logits go to the lowest ids); nil keeps all.
    public var topK: Int? = nil
    /// Keeps the smallest set of most likely tokens whose probability adds up to at least p, and always at least
    /// one (nucleus sampling, Holtzman et al. 2020, as Hugging Face's `TopPLogitsWarper`); nil keeps all.
    public var topP: Float? = nil
    /// The most tokens one call generates, a stop token included.
    public var maxNewTokens: Int = 64
    /// Seeds the `SeededGenerator` that draws every token of one call, so a seed reproduces a sample.
    public var seed: UInt64 = 0

    public init(temperature: Float = 1, topK: Int? = nil, topP: Float? = nil, maxNewTokens: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.maxNewTokens = maxNewTokens
        self.seed = seed
    }

    /// Settings that always take the most likely token.
    public static func greedy(maxNewTokens: Int = 64) -> SamplingSettings {
        SamplingSettings(temperature: 0, maxNewTokens: maxNewTokens)
    }

    private enum CodingKeys: String, CodingKey { case temperature, topK, topP, maxNewTokens, seed }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SamplingSettings()
        temperature = try container.decodeIfPresent(Float.self, forKey: .temperature) ?? defaults.temperature
        topK = try container.decodeIfPresent(Int.self, forKey: .topK)
        topP = try container.decodeIfPresent(Float.self, forKey: .topP)
        maxNewTokens = try container.decodeIfPresent(Int.self, forKey: .maxNewTokens) ?? defaults.maxNewTokens
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed
    }

    /// Throws `GenerationError.invalidSettings` naming the first field out of range.
    public func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw GenerationError.invalidSettings(message) }
        }
        try require(temperature.isFinite && temperature >= 0, "temperature must be 0 (greedy) or positive, not \(temperature)")
        try require(topK.map { $0 >= 1 } ?? true, "top-k must be at least 1, not \(topK ?? 0)")
        try require(topP.map { $0 > 0 && $0 <= 1 } ?? true, "top-p must be in (0, 1], not \(topP ?? 0)")
        try require(maxNewTokens >= 0, "max new tokens must not be negative, not \(maxNewTokens)")
    }

    /// Picks the next token from `logits` (one per vocabulary entry), overwriting them as scratch.
    /// A greedy pick draws nothing from `generator`; any other draws exactly one uniform number.
    /// - Complexity: O(vocab) to temper and draw, plus O(vocab · log k) to find the top k, or with top-p alone
    ///   O(m log m) to sort the m tokens more likely than (1 − p) / vocab (few, for a peaked distribution).
    public func sample(_ logits: UnsafeMutableBufferPointer<Float>, using generator: inout SeededGenerator) -> Int32 {
        precondition(!logits.isEmpty, "sampling needs at least one logit")
        guard temperature > 0 else { return greedyToken(UnsafeBufferPointer(logits)) }
        // Unnormalized probabilities exp((logit − max) / T): the softmax of the tempered logits up to its sum.
        let blockCount = (logits.count + Self.drawBlock - 1) / Self.drawBlock
        let blockSums = [Float](unsafeUninitializedCapacity: blockCount) { sums, initialized in
            temperedSoftmaxWeights(logits.baseAddress!, logits.count, temperature: temperature, blockSums: sums.baseAddress!,
                                   blockSize: Self.drawBlock)
            initialized = blockCount
        }
        let weights = UnsafeBufferPointer(logits)
        let precedes = { (a: Int, b: Int) in weights[a] > weights[b] || (weights[a] == weights[b] && a < b) }
        var candidates: [Int]
        // Top-p measures the nucleus against the mass of what top-k kept, or of the whole vocabulary.
        let mass: Double
        if let topK, topK < weights.count {
            candidates = mostLikely(topK, weights, precedes)
            mass = candidates.reduce(0.0) { $0 + Double(weights[$1]) }
        } else if let topP {
            // Tokens at or below (1 − p)/vocab of the mass hold at most 1 − p together, so the nucleus never
            // needs them; only the rest are sorted. The most likely token (weight 1) is always above that floor.
            mass = weights.reduce(0.0) { $0 + Double($1) }
            let floor = Float((1 - Double(topP)) / Double(weights.count) * mass)
            candidates = weights.indices.filter { weights[$0] > floor }
            candidates.sort(by: precedes)
        } else {
            return drawFromAll(weights, blockSums, &generator)
        }
        if let topP {
            var cumulative = 0.0
            for (place, id) in candidates.enumerated() {
                cumulative += Double(weights[id])
                if cumulative >= Double(topP) * mass {
                    candidates.removeSubrange((place + 1)...)
                    break
                }
            }
        }
        return draw(candidates, weights, &generator)
    }

    /// The `k` indices that come first under `precedes`, in that order: one pass with a sorted list of the best
    /// so far, which most tokens fail to enter after one comparison.
    private func mostLikely(_ k: Int, _ weights: UnsafeBufferPointer<Float>, _ precedes: (Int, Int) -> Bool) -> [Int] {
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        for j in weights.indices {
            if best.count == k, !precedes(j, best[k - 1]) { continue }
            var low = 0, high = best.count
            while low < high {
                let middle = (low + high) / 2
                if precedes(best[middle], j) { low = middle + 1 } else { high = middle }
            }
            best.insert(j, at: low)
            if best.count > k { best.removeLast() }
        }
        return best
    }

    /// Weights a draw over the whole vocabulary skips in one step: 768 blocks for SmolLM2's 49k tokens.
    static let drawBlock = 64

    /// Draws a token with probability proportional to its weight, as `draw` over every token in order would, but
    /// skips whole blocks by their sums (`temperedSoftmaxWeights`) and walks only from the block the draw falls in.
    /// Adding all 49k weights one after another in double precision, twice (the total, then the walk), and `expf`
    /// per logit made sampling ~5% of a 16-sequence SmolLM2 generation.
    private func drawFromAll(
        _ weights: UnsafeBufferPointer<Float>, _ blockSums: [Float], _ generator: inout SeededGenerator
    ) -> Int32 {
        var remaining = Double(generator.nextUniform()) * blockSums.reduce(0.0) { $0 + Double($1) }
        var block = 0
        while block < blockSums.count - 1, remaining >= Double(blockSums[block]) {
            remaining -= Double(blockSums[block])
            block += 1
        }
        var lastPossible: Int?
        for id in block * Self.drawBlock..<weights.count where weights[id] > 0 {
            remaining -= Double(weights[id])
            lastPossible = id
            if remaining < 0 { return Int32(id) }
        }
        // Reached only when rounding leaves the draw a hair above the total (the block sums round in float).
        return Int32(lastPossible ?? weights.lastIndex { $0 > 0 }!)
    }

    /// Draws one of `candidates` with probability proportional to its weight.
    private func draw<C: Collection<Int>>(
        _ candidates: C, _ weights: UnsafeBufferPointer<Float>, _ generator: inout SeededGenerator
    ) -> Int32 {
        let total = candidates.reduce(0.0) { $0 + Double(weights[$1]) }
        var remaining = Double(generator.nextUniform()) * total
        var lastPossible = candidates.first!
        for id in candidates where weights[id] > 0 {
            remaining -= Double(weights[id])
            lastPossible = id
            if remaining < 0 { return Int32(id) }
        }
        // Reached only when rounding leaves the draw a hair above the total.
        return Int32(lastPossible)
    }
}

/// The index of the largest logit, the lowest index among equals.
private func greedyToken(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
    var best = 0
    for j in logits.indices where logits[j] > logits[best] { best = j }
    return Int32(best)
}
