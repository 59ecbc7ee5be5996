// Kernels for decoding several sequences at once. A batched decode step reads each weight once for all active
// rows (`batchMatvecForward`), where one sequence at a time reads every weight once per token; what is left per
// sequence is its own cache. The caches of all sequences of a batch live in one block per layer,
// `(slots, kvHeads, capacity, headDim)`, and each row of a step names its slot, so rows can leave the batch
// without any cache being moved. Every kernel here computes a row exactly as its single-sequence counterpart
// does, so a sequence's results never depend on which others share its steps.

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
/// Each (row, head) pair is computed exactly as `decodeAttentionForward` computes one head, the same operations
/// in the same order, so a row's output does not depend on which other rows are in the batch, and a batch of one
/// gives the single-sequence session's result bit for bit. The pairs split over the cores when the step has
/// enough work to pay for the hand-off; each writes only its own head of its own row.
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
    // As `decodeAttentionForward`: about 64k multiply-adds a chunk before a second core joins.
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

/// Forward of a linear layer for the few rows of a batched decode step, `out[r] = weight · inp[r]`. Each row's
/// outputs are computed exactly as `matvecForward` computes them (the same fused multiply-adds in the same order),
/// so a sequence's logits are the same bit for bit whichever other sequences share its steps and whenever they
/// finish, and equal to the single-sequence session's. `sgemm` cannot promise that: OpenBLAS 0.3.21 takes a
/// different kernel for small products (about m·n·k ≤ 10⁶, so for one row of a 576-wide layer), which rounds
/// differently. Nor is it faster here: for the few rows of a step it first copies (packs) the whole weight,
/// which costs about as much as the product. This kernel reads each group of four weight rows from memory once
/// and keeps it in L1 while the input rows pass over it, two at a time. On SmolLM2-135M with 16 rows (2 cores,
/// AVX2 here against OpenBLAS's AVX-512) it took 12 ms for the 576 → 49152 LM head where `sgemm` took 15 ms
/// (and 16 `matvecForward` calls 88 ms), and whole generation ran at the same speed as with `sgemm` or faster.
///
/// - Complexity: rows · outDim · inDim multiply-adds; the weight is read from memory once.
/// - Parameters:
///   - out: `(rows, outDim)`, overwritten.
///   - inp: `(rows, inDim)`.
///   - weight: `(outDim, inDim)`.
public func batchMatvecForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    rows: Int, inDim: Int, outDim: Int
) {
    guard rows > 0 else { return }
    // Groups of four weight rows, at least ~128k multiply-adds a chunk, as `matvecForward`.
    let groups = (outDim + 3) / 4
    parallelChunks(groups, minimumPerChunk: max(1, (1 << 17) / (4 * inDim * rows))) { range in
        for group in range {
            let first = group * 4
            guard first + 4 <= outDim else {
                for row in 0..<rows {
                    for o in first..<outDim { out[row * outDim + o] = dotProduct(weight + o * inDim, inp + row * inDim, inDim) }
                }
                continue
            }
            let w0 = weight + first * inDim, w1 = w0 + inDim, w2 = w1 + inDim, w3 = w2 + inDim
            var row = 0
            while row + 2 <= rows {
                let x0 = inp + row * inDim, x1 = x0 + inDim
                var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0
                var i = 0
                while i + 8 <= inDim {
                    let v0 = load8(w0, i), v1 = load8(w1, i), v2 = load8(w2, i), v3 = load8(w3, i)
                    let x = load8(x0, i), y = load8(x1, i)
                    a0.addProduct(v0, x)
                    a1.addProduct(v1, x)
                    a2.addProduct(v2, x)
                    a3.addProduct(v3, x)
                    b0.addProduct(v0, y)
                    b1.addProduct(v1, y)
                    b2.addProduct(v2, y)
                    b3.addProduct(v3, y)
                    i += 8
                }
                store4(out + row * outDim + first,
                       fourDotProductTails(SIMD4(a0.sum(), a1.sum(), a2.sum(), a3.sum()), w0, w1, w2, w3, x0, from: i, inDim))
                store4(out + (row + 1) * outDim + first,
                       fourDotProductTails(SIMD4(b0.sum(), b1.sum(), b2.sum(), b3.sum()), w0, w1, w2, w3, x1, from: i, inDim))
                row += 2
            }
            if row < rows {
                store4(out + row * outDim + first, fourDotProducts(w0, w1, w2, w3, inp + row * inDim, inDim))
            }
        }
    }
}

/// Stores four outputs.
@inline(__always)
private func store4(_ out: UnsafeMutablePointer<Float>, _ sums: SIMD4<Float>) {
    for k in 0..<4 { out[k] = sums[k] }
}
