/// Attention of one new query row over a key/value cache: the decode step of generation, where the newest token
/// sees every cached position, its own included (stored before the call). The batch kernel `attentionForward`
/// would need every earlier row's queries and keys in one fused matrix; here the keys and values come from the
/// cache, whose heads are each one contiguous block.
///
/// Query head h reads key/value head h / (heads / kvHeads), as in `attentionForward`. Heads run on several cores
/// only when the cache is long enough to pay for the hand-off.
///
/// - Complexity: O(heads · length · headDim): every cached key and value is read once per query head.
/// - Parameters:
///   - out: `(heads·headDim)`, overwritten.
///   - scores: `(heads, length)` scratch, overwritten.
///   - query: `(heads·headDim)`, rotated.
///   - keys: `(kvHeads, capacity, headDim)`, rotated; positions `0..<length` are read.
///   - values: `(kvHeads, capacity, headDim)`; positions `0..<length` are read.
public func decodeAttentionForward(
    _ out: UnsafeMutablePointer<Float>, _ scores: UnsafeMutablePointer<Float>,
    _ query: UnsafePointer<Float>, _ keys: UnsafePointer<Float>, _ values: UnsafePointer<Float>,
    length: Int, capacity: Int, shape: AttentionShape
) {
    precondition(length > 0 && length <= capacity, "attention needs 1...capacity cached positions")
    let hd = shape.headDim
    // About 64k multiply-adds a chunk before a second core joins: a hand-off costs microseconds.
    let headsPerChunk = max(1, (1 << 16) / (2 * length * hd))
    parallelChunks(shape.heads, minimumPerChunk: headsPerChunk) { range in
        for head in range {
            let kvHead = shape.kvHead(head)
            attendCachedHead(out + head * hd, scores + head * length, query: query + head * hd,
                             keys: keys + kvHead * capacity * hd, values: values + kvHead * capacity * hd,
                             length: length, shape: shape)
        }
    }
}

/// One query head's attention over `length` cached positions into `out` `(headDim)`, with `scores` `(length)` as
/// scratch: what every (row, head) of a decode step computes. `decodeAttentionForward` and
/// `batchDecodeAttentionForward` both run it, so a sequence's output rounds the same in a batch as alone.
@inline(__always)
func attendCachedHead(
    _ out: UnsafeMutablePointer<Float>, _ scores: UnsafeMutablePointer<Float>, query: UnsafePointer<Float>,
    keys: UnsafePointer<Float>, values: UnsafePointer<Float>, length: Int, shape: AttentionShape
) {
    let hd = shape.headDim
    for j in 0..<length { scores[j] = shape.scale * dotProduct(query, keys + j * hd, hd) }
    let total = exponentiateShifted(scores, length, shift: rowMaximum(scores, length))
    out.update(repeating: 0, count: hd)
    for j in 0..<length { addScaled(out, values + j * hd, scores[j], count: hd) }
    scale(out, hd, by: 1 / total)
}

/// `accumulator += factor · x`, elementwise over `count` floats.
@inline(__always)
private func addScaled(_ accumulator: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ factor: Float, count: Int) {
    var i = 0
    while i + 8 <= count {
        store8(load8(accumulator, i).addingProduct(load8(x, i), SIMD8(repeating: factor)), accumulator, i)
        i += 8
    }
    while i < count {
        accumulator[i] += factor * x[i]
        i += 1
    }
}
