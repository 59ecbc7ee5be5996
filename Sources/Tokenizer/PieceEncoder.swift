/// Encodes pre-tokenized pieces with a `BPEModel`; one per `encode` call, holding that call's buffers and cache.
///
/// The merge loop is `tokenizers`' `Word::merge_all`, reproduced step for step so ids agree even in corner cases
/// (pairs whose merges produce the same token): a min-heap of candidate merges ordered by (rank, position), symbols
/// in a linked list, stale heap entries skipped when popped. Text repeats words constantly, so each distinct piece
/// is merged once per call and then served from the cache; keeping the cache per call keeps `BPETokenizer`
/// immutable and lock-free.
///
/// - Complexity: O(n log n) for a new piece of n bytes; one hash lookup for a repeated one.
struct PieceEncoder {
    private let model: BPEModel
    private var cache = ByteStringTable()
    /// Cached piece k encodes as `cachedIds[cachedEnds[k]..<cachedEnds[k + 1]]`.
    private var cachedEnds: [Int] = [0]
    private var cachedIds: [Int32] = []

    // Merge-loop buffers, reused from piece to piece.
    private var symbols: [Int32] = []
    private var prev: [Int32] = []
    private var next: [Int32] = []
    private var alive: [Bool] = []
    private var heap: [HeapEntry] = []

    /// A candidate merge: `key` = rank << 32 | position of the left symbol, smallest first.
    private struct HeapEntry {
        var key: UInt64
        var merged: Int32
    }

    /// Pieces longer than this are not cached (as in `tokenizers`): long runs rarely repeat.
    private static let maxCachedLength = 256

    init(model: BPEModel) {
        self.model = model
    }

    /// Appends the ids of one piece (raw bytes, before byte-level spelling) to `out`.
    mutating func encode(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        if piece.count == 1 {
            let id = model.byteIds[Int(piece[0])]
            if id >= 0 {
                out.append(id)
                return
            }
        }
        if model.ignoreMerges, let k = model.wholeTokens.find(piece) {
            out.append(model.wholeTokenIds[k])
            return
        }
        let cacheable = piece.count <= Self.maxCachedLength
        if cacheable, let k = cache.find(piece) {
            out.append(contentsOf: cachedIds[cachedEnds[k]..<cachedEnds[k + 1]])
            return
        }
        let first = out.count
        merge(piece, into: &out)
        if cacheable {
            _ = cache.insert(piece)
            cachedIds.append(contentsOf: out[first...])
            cachedEnds.append(cachedIds.count)
        }
    }

    /// `BPE::merge_word` then `Word::merge_all`.
    private mutating func merge(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        symbols.removeAll(keepingCapacity: true)
        var pendingUnknown = false
        for b in piece {
            let id = model.byteIds[Int(b)]
            if id >= 0 {
                if pendingUnknown, let unknown = model.unknownId { symbols.append(unknown) }
                pendingUnknown = false
                symbols.append(id)
            } else if let unknown = model.unknownId {
                if pendingUnknown && !model.fuseUnknown { symbols.append(unknown) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unknown = model.unknownId { symbols.append(unknown) }

        let n = symbols.count
        guard n > 1 else {
            out.append(contentsOf: symbols)
            return
        }
        prev.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        alive.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
        for i in 0..<n {
            prev.append(Int32(i - 1))
            next.append(i + 1 < n ? Int32(i + 1) : -1)
            alive.append(true)
        }
        for i in 0..<(n - 1) { pushIfMerges(at: i, symbols[i], symbols[i + 1]) }

        while let top = popHeap() {
            let pos = Int(top.key & 0xFFFF_FFFF)
            guard alive[pos], next[pos] >= 0 else { continue }
            let right = Int(next[pos])
            // An entry is stale when the pair at `pos` has changed since it was pushed.
            let current = model.mergeTable.find(symbols[pos], symbols[right])
            guard current != UInt64.max, Int32(truncatingIfNeeded: current) == top.merged else { continue }

            symbols[pos] = top.merged
            next[pos] = next[right]
            alive[right] = false
            if next[right] >= 0 { prev[Int(next[right])] = Int32(pos) }
            if prev[pos] >= 0 {
                let p = Int(prev[pos])
                pushIfMerges(at: p, symbols[p], symbols[pos])
            }
            if next[pos] >= 0 { pushIfMerges(at: pos, symbols[pos], symbols[Int(next[pos])]) }
        }
        for i in 0..<n where alive[i] { out.append(symbols[i]) }
    }

    @inline(__always)
    private mutating func pushIfMerges(at position: Int, _ left: Int32, _ right: Int32) {
        let found = model.mergeTable.find(left, right)
        guard found != UInt64.max else { return }
        let rank = found >> 32
        pushHeap(HeapEntry(key: rank << 32 | UInt64(position), merged: Int32(truncatingIfNeeded: found)))
    }

    private mutating func pushHeap(_ entry: HeapEntry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].key < heap[parent].key else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popHeap() -> HeapEntry? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            let right = left + 1
            let child = right < heap.count && heap[right].key < heap[left].key ? right : left
            guard heap[child].key < heap[parent].key else { break }
            heap.swapAt(child, parent)
            parent = child
        }
        return top
    }
}
