import Foundation

/// Log-softmax over the vocabulary with a gather of each row's target: `logp[m] = logits[m, t] − logsumexp(logits[m])`
/// where t = `targets[m]`. The logits are replaced, in place, by e^(logit − row maximum), the softmax before its
/// division, and `inverseSums` gets each row's 1/Σ: backward scales every entry anyway, so it normalizes them in
/// that pass, and the forward saves one read and write of `rows × vocab` floats (a 14 MB pass a step on the
/// benchmark's tiny model).
/// - Parameters:
///   - logp: `(rows)`, overwritten.
///   - logits: `(rows, vocab)`, overwritten with the unnormalized probabilities.
///   - inverseSums: `(rows)`, overwritten.
///   - targets: `(rows)`, each in `0..<vocab`.
public func logSoftmaxGatherForward(
    _ logp: UnsafeMutablePointer<Float>, _ logits: UnsafeMutablePointer<Float>, inverseSums: UnsafeMutablePointer<Float>,
    _ targets: UnsafePointer<Int32>, rows: Int, vocab: Int
) {
    parallelChunks(rows, minimumPerChunk: 8) { range in
        for m in range {
            let row = logits + m * vocab
            let maximum = rowMaximum(row, vocab)
            let targetLogit = row[Int(targets[m])]
            let total = exponentiateShifted(row, vocab, shift: maximum)
            logp[m] = targetLogit - maximum - Foundation.log(total)
            inverseSums[m] = 1 / total
        }
    }
}

/// Backward of `logSoftmaxGatherForward`: turns the unnormalized probabilities, in place, into d loss / d logits,
/// `dlogits[m, j] = dlogp[m] · ([j = t] − p[m, j])` with p = e · inverseSums[m].
/// - Parameters:
///   - weights: `(rows, vocab)`, from the forward pass; overwritten with the logits' gradient.
///   - inverseSums: `(rows)`, from the forward pass.
///   - dlogp: `(rows)`.
///   - targets: `(rows)`.
public func logSoftmaxGatherBackward(
    _ weights: UnsafeMutablePointer<Float>, inverseSums: UnsafePointer<Float>, _ dlogp: UnsafePointer<Float>,
    _ targets: UnsafePointer<Int32>, rows: Int, vocab: Int
) {
    parallelChunks(rows, minimumPerChunk: 8) { range in
        for m in range {
            let row = weights + m * vocab
            scale(row, vocab, by: -dlogp[m] * inverseSums[m])
            row[Int(targets[m])] += dlogp[m]
        }
    }
}

@inline(__always)
func rowMaximum(_ row: UnsafePointer<Float>, _ count: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= count {
        let value = load8(row, i)
        lanes.replace(with: value, where: value .> lanes)
        i += 8
    }
    var maximum = lanes.max()
    while i < count {
        maximum = max(maximum, row[i])
        i += 1
    }
    return maximum
}

/// Replaces `row[j]` by e^(row[j] − shift) and returns their sum.
///
/// The last `count % 8` entries share one `exp8` (each lane is computed alone, so they round as `expScalar` would
/// round them one by one): attention's rows are tens of entries long, and a call per leftover entry cost the
/// forward pass a quarter more exponentials.
@inline(__always)
func exponentiateShifted(_ row: UnsafeMutablePointer<Float>, _ count: Int, shift: Float) -> Float {
    var lanes = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        let e = exp8(load8(row, i) - shift)
        store8(e, row, i)
        lanes += e
        i += 8
    }
    var total = lanes.sum()
    guard i < count else { return total }
    var tail = SIMD8<Float>(repeating: shift)
    for lane in 0..<count - i { tail[lane] = row[i + lane] }
    let e = exp8(tail - shift)
    for lane in 0..<count - i {
        row[i + lane] = e[lane]
        total += e[lane]
    }
    return total
}

/// The weights of a draw from softmax(logits / temperature), in place: `row[j] = e^((row[j] − max) / temperature)`
/// through `exp8` (within 2 ulp of `expf`), eight lanes at a time, and in `blockSums` the sum of each `blockSize`
/// consecutive weights (the last block may be shorter), so that a draw over a whole vocabulary can skip to the
/// block it falls in instead of adding 49k weights one after another.
/// - Parameters:
///   - row: `(count)` logits, overwritten with the weights; the largest becomes 1.
///   - blockSums: `((count + blockSize − 1) / blockSize)`, overwritten.
///   - blockSize: a multiple of 8.
public func temperedSoftmaxWeights(
    _ row: UnsafeMutablePointer<Float>, _ count: Int, temperature: Float, blockSums: UnsafeMutablePointer<Float>,
    blockSize: Int
) {
    precondition(blockSize > 0 && blockSize % 8 == 0, "blocks of whole eight-lane vectors")
    let maximum = rowMaximum(row, count)
    var start = 0, block = 0
    while start < count {
        let end = min(count, start + blockSize)
        var lanes = SIMD8<Float>()
        var i = start
        while i + 8 <= end {
            let weight = exp8((load8(row, i) - maximum) / temperature)
            store8(weight, row, i)
            lanes += weight
            i += 8
        }
        var total = lanes.sum()
        while i < end {
            row[i] = expScalar((row[i] - maximum) / temperature)
            total += row[i]
            i += 1
        }
        blockSums[block] = total
        start = end
        block += 1
    }
}
