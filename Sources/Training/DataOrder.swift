import Determinism
import Kernels

/// The order in which training items are visited: epoch e is a permutation of the items drawn from the seed
/// and e, and epochs follow each other without a gap. A pure function of (seed, position), so a run resumed at
/// step k sees exactly the batches an uninterrupted run would.
public struct DataOrder: Sendable {
    public let count: Int
    public let seed: UInt64
    /// Without shuffling, every epoch visits the items in file order (benchmarks compare step 1 with a peer's).
    public let shuffled: Bool
    private var cachedEpoch = -1
    private var permutation: [Int] = []

    public init(count: Int, seed: UInt64, shuffled: Bool = true) {
        precondition(count > 0, "no training items")
        self.count = count
        self.seed = seed
        self.shuffled = shuffled
    }

    /// The item at position `k` of the endless sequence of epochs.
    public mutating func item(at k: Int) -> Int {
        guard shuffled else { return k % count }
        let epoch = k / count
        if epoch != cachedEpoch {
            var generator = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
            permutation = Array(0..<count).shuffled(using: &generator)
            cachedEpoch = epoch
        }
        return permutation[k % count]
    }

    /// `size` consecutive items starting at position `start`.
    public mutating func batch(start: Int, size: Int) -> [Int] {
        (start..<start + size).map { item(at: $0) }
    }
}
