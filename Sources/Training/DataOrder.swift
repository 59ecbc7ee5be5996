import Kernels

/// The order in which training items are visited: epoch e is a permutation of the items drawn from the seed
/// and e, and epochs follow each other without a gap. A pure function of (seed, position), so a run resumed at
/// step k sees exactly the batches an uninterrupted run would.
public struct DataOrder: Sendable {
    public let count: Int
    public let seed: UInt64
    private var cachedEpoch = -1
    private var permutation: [Int] = []

    public init(count: Int, seed: UInt64) {
        precondition(count > 0, "no training items")
        self.count = count
        self.seed = seed
    }

    /// The item at position `k` of the endless sequence of epochs.
    public mutating func item(at k: Int) -> Int {
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
