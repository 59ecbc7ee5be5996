import Determinism
import Foundation
import Model
import Preference

/// Forward passes only: each pair's summed completion log-probabilities under `model`, `batchSize` pairs at a time
/// (with the prompt's too when `promptTargets`).
public func completionSums(model: Transformer, pairs: [TokenizedPair], batchSize: Int, ldAlpha: Double? = nil,
                           unlikelihood: Bool = false, promptTargets: Bool = false) throws -> [CompletionSums] {
    var sums: [CompletionSums] = []
    sums.reserveCapacity(pairs.count)
    var start = 0
    while start < pairs.count {
        let batch = PairBatch(Array(pairs[start..<min(pairs.count, start + batchSize)]), promptTargets: promptTargets)
        sums += batch.sums(try model.forward(batch.packed), ldAlpha: ldAlpha, unlikelihood: unlikelihood)
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

    /// Computes the log-probs of every training pair first visited in `batches` (the run's micro-batches in
    /// order, `batch(j)` the indices of the j-th) and not there yet, and of the held-out pairs; returns how many
    /// pairs it computed. When `shouldStop` turns true it returns early with what it has (`isComplete` then says
    /// so), so a stop during a long precomputation keeps its progress.
    ///
    /// Each pair is computed inside the very micro-batch in which training first meets it, packed the same way:
    /// BLAS gives no guarantee that a row's result is independent of the other rows of a product (its kernels
    /// block and split rows by the matrix's shape, differently on AVX2 and AVX-512), so only identical packing
    /// makes the first step's policy log-probs equal the reference's bit for bit (loss ln 2, margins exactly 0).
    /// Held-out pairs are packed as `evaluate` packs them, `evalBatchSize` at a time in file order.
    public mutating func complete(model: Transformer, train pairs: [TokenizedPair], batches: Int, batch: (Int) -> [Int],
                                  eval heldOut: [TokenizedPair], evalBatchSize: Int, shouldStop: () -> Bool = { false },
                                  progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> Int {
        var seen = Set<Int>()
        var computed = 0
        let total = batches + (heldOut.count + evalBatchSize - 1) / evalBatchSize
        for j in 0..<batches {
            if seen.count == pairs.count { break }
            let indices = batch(j)
            let firstVisits = indices.filter { seen.insert($0).inserted }
            guard firstVisits.contains(where: { train[$0] == nil }) else { continue }
            if shouldStop() { return computed }
            let packed = PairBatch(indices.map { pairs[$0] })
            let sums = packed.sums(try model.forward(packed.packed))
            var firstHere = Set(firstVisits)
            for (index, value) in zip(indices, sums) where firstHere.remove(index) != nil && train[index] == nil {
                train[index] = value
                computed += 1
            }
            progress(j + 1, total)
        }
        if eval.count != heldOut.count {
            var sums: [CompletionSums] = []
            var start = 0
            while start < heldOut.count {
                if shouldStop() { return computed }
                let end = min(heldOut.count, start + evalBatchSize)
                sums += try completionSums(model: model, pairs: Array(heldOut[start..<end]), batchSize: evalBatchSize)
                start = end
                progress(batches + start / evalBatchSize, total)
            }
            eval = sums
            computed += heldOut.count
        }
        return computed
    }

    /// Whether every pair of `needed` and every held-out pair has its log-probs.
    public func isComplete(needed: [Int], evalCount: Int) -> Bool {
        eval.count == evalCount && needed.allSatisfy { train[$0] != nil }
    }

    /// The cache key of a model, tokenized data and the way batches pack it (`packing`: whatever decides which
    /// pairs share a forward pass, since the values depend on it in their last bits).
    public static func key(model: Transformer, train: [TokenizedPair], eval: [TokenizedPair], packing: String) -> String {
        var hash = StableHash()
        hash.combine(packing)
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
