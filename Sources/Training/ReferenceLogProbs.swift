import Foundation
import Model
import Preference

/// Forward passes only: each pair's summed completion log-probabilities under `model`, `batchSize` pairs at a time.
public func completionSums(model: Transformer, pairs: [TokenizedPair], batchSize: Int) throws -> [CompletionSums] {
    var sums: [CompletionSums] = []
    sums.reserveCapacity(pairs.count)
    var start = 0
    while start < pairs.count {
        let batch = PairBatch(Array(pairs[start..<min(pairs.count, start + batchSize)]))
        sums += batch.sums(try model.forward(batch.packed))
        start += batchSize
    }
    return sums
}

/// The reference model's log-probabilities of every training and held-out pair, computed once before training
/// (when the policy still is the reference) so that the reference model is never held in memory while training.
///
/// Only the training pairs a run will visit are computed (a 50-step run on a large file needs a few hundred, not
/// all), keyed by their index in the training set. A copy goes into the run (`reference_logps.json`, for resume)
/// and into a cache shared by every run under the same output folder, keyed by a hash of the reference weights and
/// of every token of the data: the runs of a sweep compute it once, and a longer run adds only what is missing.
public struct ReferenceLogProbs: Sendable, Codable, Equatable {
    public var key: String
    public var train: [Int: CompletionSums]
    public var eval: [CompletionSums]

    public init(key: String, train: [Int: CompletionSums], eval: [CompletionSums]) {
        self.key = key
        self.train = train
        self.eval = eval
    }

    /// Computes whatever of `needed` (training-pair indices) and of the held-out pairs is not there yet, a batch at
    /// a time, and returns how many pairs it computed. When `shouldStop` turns true it returns early with what it
    /// has (`isComplete` then says so), so a stop during a long precomputation keeps its progress.
    public mutating func complete(model: Transformer, train pairs: [TokenizedPair], needed: [Int], eval heldOut: [TokenizedPair],
                                  batchSize: Int, shouldStop: () -> Bool = { false }) throws -> Int {
        let missing = needed.filter { train[$0] == nil }
        var computed = 0
        var start = 0
        while start < missing.count {
            if shouldStop() { return computed }
            let indices = Array(missing[start..<min(missing.count, start + batchSize)])
            let sums = try completionSums(model: model, pairs: indices.map { pairs[$0] }, batchSize: batchSize)
            for (index, value) in zip(indices, sums) { train[index] = value }
            computed += indices.count
            start += batchSize
        }
        if eval.count != heldOut.count, !shouldStop() {
            eval = try completionSums(model: model, pairs: heldOut, batchSize: batchSize)
            computed += heldOut.count
        }
        return computed
    }

    /// Whether every pair of `needed` and every held-out pair has its log-probs.
    public func isComplete(needed: [Int], evalCount: Int) -> Bool {
        eval.count == evalCount && needed.allSatisfy { train[$0] != nil }
    }

    /// The cache key of a model and tokenized data.
    public static func key(model: Transformer, train: [TokenizedPair], eval: [TokenizedPair]) -> String {
        var hash = StableHash()
        hash.combine(bytes: UnsafeRawBufferPointer(start: model.parameters.pointer, count: model.parameterCount * 4))
        for (tag, pairs) in [("train", train), ("eval", eval)] {
            hash.combine(tag)
            for pair in pairs {
                hash.combine(pair.prompt)
                hash.combine(pair.chosen)
                hash.combine(pair.rejected)
            }
        }
        return hash.hex
    }

    public static func cacheURL(outputDir: URL, key: String) -> URL {
        outputDir.appendingPathComponent(".reference-cache").appendingPathComponent("\(key).json")
    }

    public static func load(from url: URL, key: String) -> ReferenceLogProbs? {
        guard let data = try? Data(contentsOf: url),
              let cached = try? JSONDecoder().decode(ReferenceLogProbs.self, from: data), cached.key == key
        else { return nil }
        return cached
    }

    public func save(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(try JSONEncoder().encode(self), to: url)
    }
}
