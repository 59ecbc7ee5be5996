import CKernels

// Kernels for decoding several sequences at once. A batched decode step reads each weight once for all active
// rows (`batchMatvecForward`), where one sequence at a time reads every weight once per
// token; what is left per sequence is its own cache. The caches of all sequences of a batch live in one block per
// layer, `(slots, kvHeads, capacity, headDim)`, and each row of a step names its slot, so rows can leave the batch
// without any cache being moved. Every kernel here computes a row from that row's data alone, so a sequence's
// results never depend on which others share its steps.

/// Copies the keys and values of `rows` fused query/key/value rows into a batch of caches: row r goes to slot
/// `slots[r]` at position `positions[r]`. A prefill stores a whole prompt's rows into one slot; a decode step
/// stores one row into each active sequence's slot.
///
/// - Parameters:
///   - keys: `(slots, kvHeads, capacity, headDim)`, one layer's keys; the rows' positions are overwritten.
///   - values: `(slots, kvHeads, capacity, headDim)`, one layer's values, likewise.
///   - qkv: `(rows, shape.qkvStride)`, keys already rotated.
///   - slots: `(rows)`, each below the caches' slot count (checked by the caller).
///   - positions: `(rows)`, each below `capacity` (checked by the caller).
public func batchCacheStore(
    _ keys: UnsafeMutablePointer<Float>, _ values: UnsafeMutablePointer<Float>, _ qkv: UnsafePointer<Float>,
    slots: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, rows: Int, capacity: Int, shape: AttentionShape
) {
    let hd = shape.headDim, kvHeads = shape.kvHeads
    for row in 0..<rows {
        let source = qkv + row * shape.qkvStride
        let slot = Int(slots[row]), position = Int(positions[row])
        precondition(position >= 0 && position < capacity, "cache position \(position) outside 0..<\(capacity)")
        for head in 0..<kvHeads {
            let destination = ((slot * kvHeads + head) * capacity + position) * hd
            (keys + destination).update(from: source + shape.keyOffset + head * hd, count: hd)
            (values + destination).update(from: source + shape.valueOffset + head * hd, count: hd)
        }
    }
}

/// Attention of one new query row per sequence over that sequence's own cache: the attention of a batched
/// decode step. Row r attends over positions `0..<lengths[r]` of slot `slots[r]` (its newest key and value,
/// stored by `batchCacheStore` before the call, included), so sequences of different lengths share one call
/// without padding: nothing is read or computed past a sequence's own length.
///
/// Each (row, head) pair is computed by `attendCachedHead` from that row's query and cache alone, the same
/// operations in the same order whatever else is in the batch, so a row's output is the one a batch of that row
/// alone gives, bit for bit. The pairs split over the cores when the step has enough work to pay for the
/// hand-off (about 64k multiply-adds a chunk: a hand-off costs microseconds); each writes only its own head of its
/// own row.
///
/// - Complexity: O(heads · Σ lengths · headDim): every cached key and value a row can see is read once per query
///   head.
/// - Parameters:
///   - out: `(rows, heads·headDim)`, overwritten.
///   - scores: `(rows, heads, capacity)` scratch, overwritten.
///   - qkv: `(rows, shape.qkvStride)`, queries at the start of each row, rotated.
///   - keys: `(slots, kvHeads, capacity, headDim)`, rotated.
///   - values: `(slots, kvHeads, capacity, headDim)`.
///   - slots: `(rows)`, the cache slot of each row's sequence.
///   - lengths: `(rows)`, each in `1...capacity`: the positions each row sees.
public func batchDecodeAttentionForward(
    _ out: UnsafeMutablePointer<Float>, _ scores: UnsafeMutablePointer<Float>, _ qkv: UnsafePointer<Float>,
    _ keys: UnsafePointer<Float>, _ values: UnsafePointer<Float>,
    slots: UnsafePointer<Int32>, lengths: UnsafePointer<Int32>, rows: Int, capacity: Int, shape: AttentionShape
) {
    guard rows > 0 else { return }
    let hd = shape.headDim, heads = shape.heads
    var total = 0
    for row in 0..<rows {
        precondition(lengths[row] > 0 && Int(lengths[row]) <= capacity, "attention needs 1...capacity cached positions")
        total += Int(lengths[row])
    }
    let averageLength = max(1, total / rows)
    let pairsPerChunk = max(1, (1 << 16) / (2 * averageLength * hd))
    parallelChunks(rows * heads, minimumPerChunk: pairsPerChunk) { range in
        for pair in range {
            let row = pair / heads, head = pair % heads
            let length = Int(lengths[row])
            let kvHead = shape.kvHead(head)
            let cacheOffset = (Int(slots[row]) * shape.kvHeads + kvHead) * capacity * hd
            attendCachedHead(out + row * shape.outStride + head * hd, scores + pair * capacity,
                             query: qkv + row * shape.qkvStride + head * hd, keys: keys + cacheOffset,
                             values: values + cacheOffset, length: length, shape: shape)
        }
    }
}

/// One query head's attention over `length` cached positions into `out` `(headDim)`, with `scores` `(length)` as
/// scratch: what every (row, head) of a decode step computes, with nothing from the other rows, so a sequence's
/// output rounds the same in a batch as alone. The scores and the weighted sum of the values are C
/// (`dpo_cached_scores`, `dpo_weighted_values`): Swift added each key's eight lanes as a serial chain of its own and
/// kept the output in memory between positions, which made attention 15% of a 16-sequence SmolLM2 decode step.
@inline(__always)
func attendCachedHead(
    _ out: UnsafeMutablePointer<Float>, _ scores: UnsafeMutablePointer<Float>, query: UnsafePointer<Float>,
    keys: UnsafePointer<Float>, values: UnsafePointer<Float>, length: Int, shape: AttentionShape
) {
    let hd = shape.headDim
    dpo_cached_scores(scores, query, keys, length, hd, shape.scale)
    let total = exponentiateShifted(scores, length, shift: rowMaximum(scores, length))
    dpo_weighted_values(out, scores, values, length, hd)
    scale(out, hd, by: 1 / total)
}
