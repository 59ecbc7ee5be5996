/// BPE merges by token pair: `(left, right) → (rank, merged id)` in an open-addressing table.
///
/// Looking pairs up is most of the work of BPE. `Dictionary` hashes every key with SipHash; a multiplicative hash
/// of the packed pair and linear probing is several times faster, and the table is built once per tokenizer.
struct MergeTable: Sendable {
    /// Key and value side by side: a lookup touches one cache line.
    private var slots: [Slot]
    private let shift: UInt64

    private struct Slot {
        var key: UInt64
        var value: UInt64
    }

    private static let empty = UInt64.max

    /// A table with room for `count` merges at load factor ≤ 1/2.
    init(capacity count: Int) {
        var bits: UInt64 = 4
        while (1 << bits) < 2 * max(count, 1) { bits += 1 }
        slots = [Slot](repeating: Slot(key: Self.empty, value: 0), count: 1 << bits)
        shift = 64 - bits
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// Records a merge; a pair listed twice keeps its later rank, as in `tokenizers` (which collects into a map).
    mutating func insert(_ left: Int32, _ right: Int32, rank: Int32, merged: Int32) {
        let key = Self.key(left, right)
        let mask = slots.count - 1
        var i = slot(key)
        while slots[i].key != Self.empty && slots[i].key != key { i = (i + 1) & mask }
        slots[i] = Slot(key: key, value: UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: merged)))
    }

    /// `rank << 32 | merged id` for the pair, or `UInt64.max` when the pair never merges.
    @inline(__always)
    func find(_ left: Int32, _ right: Int32) -> UInt64 {
        let key = Self.key(left, right)
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var i = slot(key)
            while true {
                let k = slots[i].key
                if k == key { return slots[i].value }
                if k == Self.empty { return Self.empty }
                i = (i + 1) & mask
            }
        }
    }
}
