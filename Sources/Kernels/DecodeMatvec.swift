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
            store4(out + first, fourDotProducts(w0, w1, w2, w3, inp, inDim))
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

/// Stores a group's four outputs.
@inline(__always)
func store4(_ out: UnsafeMutablePointer<Float>, _ sums: SIMD4<Float>) {
    for k in 0..<4 { out[k] = sums[k] }
}
