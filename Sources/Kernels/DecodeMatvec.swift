/// Forward of a linear layer for a single row, `out = weight · inp`: every product of a decode step, where
/// generation feeds one token at a time. On the decode shapes, `matmulForward` with one row measured 3–5× slower
/// with OpenBLAS 0.3.21 (its `sgemm` packs the weight even for a product that reads each weight once), and its
/// `sgemv` no faster than this loop.
/// Four weight rows share each load of the input; the output rows split over the cores when there is enough work.
///
/// - Complexity: outDim · inDim multiply-adds, bound by reading the weight from memory.
/// - Parameters:
///   - out: `(outDim)`, overwritten.
///   - inp: `(inDim)`.
///   - weight: `(outDim, inDim)`.
public func matvecForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    inDim: Int, outDim: Int
) {
    // Groups of four rows, at least ~128k multiply-adds a chunk: a hand-off to a second core costs microseconds.
    let groups = (outDim + 3) / 4
    parallelChunks(groups, minimumPerChunk: max(1, (1 << 17) / (4 * inDim))) { range in
        for group in range {
            let first = group * 4
            guard first + 4 <= outDim else {
                for o in first..<outDim { out[o] = dotProduct(weight + o * inDim, inp, inDim) }
                continue
            }
            let w0 = weight + first * inDim, w1 = w0 + inDim, w2 = w1 + inDim, w3 = w2 + inDim
            let sums = fourDotProducts(w0, w1, w2, w3, inp, inDim)
            for k in 0..<4 { out[first + k] = sums[k] }
        }
    }
}

/// x · w0 … x · w3 over `inDim` floats: eight-lane fused multiply-adds, lane sums, then the tail. `matvecForward`
/// and `batchMatvecForward` both compute a group of four outputs so, which makes a batched row equal a single one.
@inline(__always)
func fourDotProducts(
    _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>, _ w2: UnsafePointer<Float>, _ w3: UnsafePointer<Float>,
    _ x: UnsafePointer<Float>, _ inDim: Int
) -> SIMD4<Float> {
    var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
    var i = 0
    while i + 8 <= inDim {
        let v = load8(x, i)
        a0.addProduct(load8(w0, i), v)
        a1.addProduct(load8(w1, i), v)
        a2.addProduct(load8(w2, i), v)
        a3.addProduct(load8(w3, i), v)
        i += 8
    }
    return fourDotProductTails(SIMD4(a0.sum(), a1.sum(), a2.sum(), a3.sum()), w0, w1, w2, w3, x, from: i, inDim)
}

/// Adds the products from `start` to `inDim` (fewer than eight) to four outputs' lane sums.
@inline(__always)
func fourDotProductTails(
    _ lanes: SIMD4<Float>, _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>, _ w2: UnsafePointer<Float>,
    _ w3: UnsafePointer<Float>, _ x: UnsafePointer<Float>, from start: Int, _ inDim: Int
) -> SIMD4<Float> {
    var sums = lanes
    var i = start
    while i < inDim {
        sums += SIMD4(w0[i], w1[i], w2[i], w3[i]) * x[i]
        i += 1
    }
    return sums
}
