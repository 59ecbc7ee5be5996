import Determinism

/// A hash set of byte strings stored back to back in one buffer; each string gets a dense index (0, 1, 2…) that
/// callers use to keep values in parallel arrays.
///
/// Looking up a piece of text allocates nothing, where a `[[UInt8]: V]` dictionary would build an array per
/// lookup. Used for the per-call piece cache, for `ignore_merges` whole-token lookups, and by the trainer to count
/// words.
struct ByteStringTable: Sendable {
    /// All strings back to back; string `k` is `bytes[starts[k]..<starts[k + 1]]`.
    private(set) var bytes: [UInt8] = []
    private(set) var starts: [Int] = [0]
    /// Index + 1 of the string in each slot, 0 for an empty slot.
    private var slots: [Int32] = [Int32](repeating: 0, count: 16)
    private var hashes: [UInt64] = []

    var count: Int { starts.count - 1 }

    /// String `index`'s bytes.
    subscript(index: Int) -> ArraySlice<UInt8> { bytes[starts[index]..<starts[index + 1]] }

    /// FNV-1a; pieces are short (a word), so a simple byte loop is as fast as anything.
    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let h = StableHash.fnv1a(key)
        return h ^ (h >> 29)
    }

    /// The index of `key`, or nil.
    func find(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        find(key, hash: Self.hash(key)).index
    }

    /// The index of `key`, adding it first when absent.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>) -> (index: Int, inserted: Bool) {
        let h = Self.hash(key)
        let (found, slot) = find(key, hash: h)
        if let found { return (found, false) }
        let index = count
        bytes.append(contentsOf: key)
        starts.append(bytes.count)
        hashes.append(h)
        slots[slot] = Int32(index + 1)
        if 2 * count > slots.count { grow() }
        return (index, true)
    }

    /// The index of `key` if present, and the slot where it is or would go.
    private func find(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> (index: Int?, slot: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        return bytes.withUnsafeBufferPointer { stored in
            while true {
                let entry = Int(slots[slot]) - 1
                if entry < 0 { return (nil, slot) }
                if hashes[entry] == h {
                    let start = starts[entry]
                    let length = starts[entry + 1] - start
                    if length == key.count && Self.equal(stored, start, key) { return (entry, slot) }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Whether `stored[start...]` begins with `key`; the caller has checked there are enough bytes.
    @inline(__always)
    private static func equal(
        _ stored: UnsafeBufferPointer<UInt8>, _ start: Int, _ key: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        for i in 0..<key.count where stored[start + i] != key[i] { return false }
        return true
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index + 1)
        }
    }
}
