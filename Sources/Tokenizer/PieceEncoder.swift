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
    private var nodes: [Node] = []
    private var heap: [HeapEntry] = []

    /// A symbol of the piece being merged, linked to its neighbours (-1 at the ends).
    private struct Node {
        var id: Int32
        var prev: Int32
        var next: Int32
        var alive: Bool
    }

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

    /// `BPE::merge_word` then `Word::merge_all`. Works on unsafe views of the reused buffers: this loop is most of
    /// the encoding time, and array accesses through `self` would check uniqueness at every write.
    private mutating func merge(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        var nodes = self.nodes
        var heap = self.heap
        self.nodes = []
        self.heap = []
        nodes.removeAll(keepingCapacity: true)
        let symbol = { (id: Int32) in Node(id: id, prev: 0, next: 0, alive: true) }
        // Bytes without a token become `unk_token` (consecutive ones fused if `fuse_unk`), or vanish without one.
        var pendingUnknown = false
        for b in piece {
            let id = model.byteIds[Int(b)]
            if id >= 0 {
                if pendingUnknown, let unknown = model.unknownId { nodes.append(symbol(unknown)) }
                pendingUnknown = false
                nodes.append(symbol(id))
            } else if let unknown = model.unknownId {
                if pendingUnknown && !model.fuseUnknown { nodes.append(symbol(unknown)) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unknown = model.unknownId { nodes.append(symbol(unknown)) }

        let n = nodes.count
        if n > 1 {
            // Each merge pushes at most two entries: 3n bounds the heap.
            if heap.count < 3 * n {
                heap.append(contentsOf: repeatElement(HeapEntry(key: 0, merged: 0), count: 3 * n - heap.count))
            }
            let table = model.mergeTable
            nodes.withUnsafeMutableBufferPointer { nodes in
                heap.withUnsafeMutableBufferPointer { heap in
                    Self.mergeAll(nodes, heap, table)
                }
            }
        }
        for node in nodes where node.alive { out.append(node.id) }
        self.nodes = nodes
        self.heap = heap
    }

    private static func mergeAll(
        _ nodes: UnsafeMutableBufferPointer<Node>, _ heap: UnsafeMutableBufferPointer<HeapEntry>, _ table: MergeTable
    ) {
        let n = nodes.count
        for i in 0..<n {
            nodes[i].prev = Int32(i - 1)
            nodes[i].next = i + 1 < n ? Int32(i + 1) : -1
        }
        var count = 0
        @inline(__always) func push(_ position: Int32, _ left: Int32, _ right: Int32) {
            let found = table.find(left, right)
            guard found != UInt64.max else { return }
            let entry = HeapEntry(
                key: found & 0xFFFF_FFFF_0000_0000 | UInt64(position), merged: Int32(truncatingIfNeeded: found))
            pushHeap(heap, &count, entry)
        }
        for i in 0..<(n - 1) { push(Int32(i), nodes[i].id, nodes[i + 1].id) }

        while count > 0 {
            let top = popHeap(heap, &count)
            let pos = Int(top.key & 0xFFFF_FFFF)
            guard nodes[pos].alive, nodes[pos].next >= 0 else { continue }
            let right = Int(nodes[pos].next)
            // An entry is stale when the pair at `pos` has changed since it was pushed.
            let current = table.find(nodes[pos].id, nodes[right].id)
            guard current != UInt64.max, Int32(truncatingIfNeeded: current) == top.merged else { continue }

            nodes[pos].id = top.merged
            nodes[pos].next = nodes[right].next
            nodes[right].alive = false
            if nodes[right].next >= 0 { nodes[Int(nodes[right].next)].prev = Int32(pos) }
            if nodes[pos].prev >= 0 {
                let p = Int(nodes[pos].prev)
                push(Int32(p), nodes[p].id, top.merged)
            }
            if nodes[pos].next >= 0 { push(Int32(pos), top.merged, nodes[Int(nodes[pos].next)].id) }
        }
    }

    private static func pushHeap(
        _ heap: UnsafeMutableBufferPointer<HeapEntry>, _ count: inout Int, _ entry: HeapEntry
    ) {
        var child = count
        count += 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entry.key < heap[parent].key else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    private static func popHeap(_ heap: UnsafeMutableBufferPointer<HeapEntry>, _ count: inout Int) -> HeapEntry {
        let top = heap[0]
        count -= 1
        let last = heap[count]
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count && heap[child + 1].key < heap[child].key { child += 1 }
            guard heap[child].key < last.key else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = last
        return top
    }
}
