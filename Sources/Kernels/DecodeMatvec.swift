import CBLAS
import CKernels

/// Whether `batchMatvecForward` runs its rows in pairs of blocks (9 or more) through the AVX-512 kernel in
/// `CKernels` rather than the Haswell one below.
private let decodeRunsAVX512 = dpo_cpu_has_avx512f() != 0
/// "AVX-512" or "AVX2": the instructions of the decode products, for the benchmarks' first line.
public let decodeProductInstructions = decodeRunsAVX512 ? "AVX-512" : "AVX2"

/// Forward of a linear layer for the few rows of a decode step, `out[r] = weight · inp[r]`, as outer products:
/// the rows are transposed so that one load holds one input element of eight rows, and each weight is broadcast
/// against it. A weight row is read from memory once per call and used for every row, with no copy of the weight
/// (`sgemm` packs the whole weight even for 16 rows, which costs about what the product does).
///
/// Every output is one chain of fused multiply-adds over the input in order, from zero, whatever the number of
/// rows: a sequence's logits are the same bit for bit whichever other sequences share its steps, and alone (one
/// row). On SmolLM2-135M's decode shapes at 16 rows (`dpo bench decode`, 2 cores) it ran at 57–98 GFLOP/s, where
/// the kernel before it (dot products, four weight rows by two input rows) ran at 53–77 and `sgemm` at 49–82; with
/// one row `sgemm` was 3–5× slower still. The price is one row on a small model, which leaves seven of the eight
/// lanes empty: single-sequence generation on the 5M-parameter bench model fell from ~850 to ~410 tokens/s (on
/// SmolLM2, from ~29 to ~24).
///
/// On a CPU with AVX-512 (Intel Xeon, AMD Zen 4 and 5), each pair of blocks goes through
/// `dpo_twelve_outputs_of_sixteen_rows`: one 16-lane register holds an input element of all sixteen rows, and twelve
/// outputs share it, each weight broadcast by the multiply-add itself. Each output is still the same chain, so the
/// results are the same bit for bit on either kind of CPU. On a Zen 5 (SmolLM2, 16 rows) the products ran ×1.17–1.45
/// faster and whole batched generation ×1.18–1.28; at 256 rows (a prefill pass) ×1.45–1.6. Four blocks at a time
/// (`dpo_twelve_outputs_of_thirty_two_rows`) share each broadcast weight between two multiply-adds, which took a
/// 256-row pass from 0.75–0.94 of `sgemm`'s speed to 0.89–1.09 (`dpo bench decode --batch 256`).
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
    guard rows > 0, outDim > 0 else { return }
    let blocks = (rows + 7) / 8
    // (blocks, inDim, 8): element k of rows 8b … 8b+7, zero in the lanes past the last row.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: blocks * inDim * 8) { transposed in
        let columns = transposed.baseAddress!
        dpo_rows_into_blocks(columns, inp, rows, inDim)
        // Twelve accumulators in flight in each kernel: twelve outputs of one block, six of two, or (AVX-512) twelve
        // of two.
        let wide = blocks >= 2 && decodeRunsAVX512
        let width = blocks == 1 || wide ? 12 : 6
        let groups = (outDim + width - 1) / width
        parallelChunks(groups, minimumPerChunk: max(1, (1 << 17) / (width * inDim * blocks * 8))) { range in
            for group in range {
                let first = group * width
                guard first + width <= outDim else {
                    for o in first..<outDim { singleOutput(out, UnsafePointer(columns), weight + o * inDim, inDim: inDim, outDim: outDim, o: o, rows: rows) }
                    continue
                }
                let w = weight + first * inDim
                if blocks == 1 {
                    twelveOuterProducts(out, UnsafePointer(columns), w, inDim: inDim, outDim: outDim, first: first, row: 0, lanes: rows)
                    continue
                }
                var b = 0
                while b < blocks {
                    let x = UnsafePointer(columns + b * inDim * 8)
                    if wide && b + 4 <= blocks {
                        dpo_twelve_outputs_of_thirty_two_rows(out, x, w, inDim, outDim, first, b * 8, rows - b * 8)
                        b += 4
                    } else if b + 2 <= blocks {
                        if wide {  // prefetching, as below, only when the weights serve this pair alone
                            dpo_twelve_outputs_of_sixteen_rows(out, x, w, inDim, outDim, first, b * 8, rows - b * 8, blocks == 2 ? 1 : 0)
                        } else if blocks == 2 {  // 9–16 rows: each weight row is read for this pair only
                            sixOuterProductsOfTwoBlocks(out, x, w, inDim: inDim, outDim: outDim, first: first, row: b * 8, lanes: rows - b * 8, prefetching: true)
                        } else {
                            sixOuterProductsOfTwoBlocks(out, x, w, inDim: inDim, outDim: outDim, first: first, row: b * 8, lanes: rows - b * 8, prefetching: false)
                        }
                        b += 2
                    } else {
                        if wide {
                            twelveOuterProducts(out, x, w, inDim: inDim, outDim: outDim, first: first, row: b * 8, lanes: rows - b * 8)
                        } else {
                            sixOuterProducts(out, x, w, inDim: inDim, outDim: outDim, first: first, row: b * 8, lanes: rows - b * 8)
                        }
                        b += 1
                    }
                }
            }
        }
    }
}

/// Output `o` of every row, one block of eight rows at a time: the same chain as the wider kernels compute.
@inline(__always)
func singleOutput(
    _ out: UnsafeMutablePointer<Float>, _ columns: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
    inDim: Int, outDim: Int, o: Int, rows: Int
) {
    for b in 0..<(rows + 7) / 8 {
        let x = columns + b * inDim * 8
        var a = SIMD8<Float>()
        for k in 0..<inDim { a.addProduct(SIMD8(repeating: w[k]), load8(x, k * 8)) }
        for lane in 0..<min(8, rows - b * 8) { out[(b * 8 + lane) * outDim + o] = a[lane] }
    }
}

/// Twelve outputs of one block of up to eight rows (`lanes`, from `row` on): `out[row + lane, first + j] =
/// Σ_k w[j][k] · x[k][lane]`, each a chain over k in order.
@inline(__always)
func twelveOuterProducts(
    _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
    inDim: Int, outDim: Int, first: Int, row: Int, lanes: Int
) {
    var a = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
    var b = a
    let w0 = w, w1 = w0 + inDim, w2 = w1 + inDim, w3 = w2 + inDim, w4 = w3 + inDim, w5 = w4 + inDim
    let w6 = w5 + inDim, w7 = w6 + inDim, w8 = w7 + inDim, w9 = w8 + inDim, w10 = w9 + inDim, w11 = w10 + inDim
    for k in 0..<inDim {
        let v = load8(x, k * 8)
        a.0.addProduct(SIMD8(repeating: w0[k]), v)
        a.1.addProduct(SIMD8(repeating: w1[k]), v)
        a.2.addProduct(SIMD8(repeating: w2[k]), v)
        a.3.addProduct(SIMD8(repeating: w3[k]), v)
        a.4.addProduct(SIMD8(repeating: w4[k]), v)
        a.5.addProduct(SIMD8(repeating: w5[k]), v)
        b.0.addProduct(SIMD8(repeating: w6[k]), v)
        b.1.addProduct(SIMD8(repeating: w7[k]), v)
        b.2.addProduct(SIMD8(repeating: w8[k]), v)
        b.3.addProduct(SIMD8(repeating: w9[k]), v)
        b.4.addProduct(SIMD8(repeating: w10[k]), v)
        b.5.addProduct(SIMD8(repeating: w11[k]), v)
    }
    for lane in 0..<min(8, lanes) {
        let o = out + (row + lane) * outDim + first
        o[0] = a.0[lane]; o[1] = a.1[lane]; o[2] = a.2[lane]; o[3] = a.3[lane]; o[4] = a.4[lane]; o[5] = a.5[lane]
        o[6] = b.0[lane]; o[7] = b.1[lane]; o[8] = b.2[lane]; o[9] = b.3[lane]; o[10] = b.4[lane]; o[11] = b.5[lane]
    }
}

/// Six outputs of eight rows: `out[row + lane, first + j] = Σ_k w[j][k] · x[k][lane]`, each a chain over k in order.
@inline(__always)
func sixOuterProducts(
    _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
    inDim: Int, outDim: Int, first: Int, row: Int, lanes: Int
) {
    let w0 = w, w1 = w0 + inDim, w2 = w1 + inDim, w3 = w2 + inDim, w4 = w3 + inDim, w5 = w4 + inDim
    var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
    for k in 0..<inDim {
        let v = load8(x, k * 8)
        a0.addProduct(SIMD8(repeating: w0[k]), v)
        a1.addProduct(SIMD8(repeating: w1[k]), v)
        a2.addProduct(SIMD8(repeating: w2[k]), v)
        a3.addProduct(SIMD8(repeating: w3[k]), v)
        a4.addProduct(SIMD8(repeating: w4[k]), v)
        a5.addProduct(SIMD8(repeating: w5[k]), v)
    }
    for lane in 0..<min(8, lanes) {
        let o = out + (row + lane) * outDim + first
        o[0] = a0[lane]; o[1] = a1[lane]; o[2] = a2[lane]; o[3] = a3[lane]; o[4] = a4[lane]; o[5] = a5[lane]
    }
}

/// As `sixOuterProducts` for sixteen rows (two blocks of eight, `x` the first): twelve chains share each weight's
/// broadcast. `lanes` counts the rows from `row` on (more than eight).
///
/// While it reads its six weight rows it prefetches the rows two groups on (one cache line of each per sixteen
/// inputs): six rows read a few floats at a time are more streams than the hardware prefetcher keeps ahead of,
/// and a 16-row decode step waited on memory. Whole generation on SmolLM2 at 16 sequences ran ×1.03–1.23 faster
/// (median ×1.13 over nine alternating runs); at 4 and 8 rows (`twelveOuterProducts`) the same prefetch made it
/// 10–20% slower, so that kernel leaves the weights to the hardware. A prefetch never faults, so the last groups may
/// ask for lines past the weight.
///
/// `prefetching` is false when a group's weights serve more than one pair of blocks (over 16 rows, as a prefill
/// pass): they are then read from cache after the first pair, and the prefetches, repeated for every pair, cost
/// more than they save. Without them `dpo bench decode` ran ×1.15–1.21 faster at 256 rows and ×1.10–1.25 at 32.
/// Callers pass a literal, so each call site compiles to a loop with or without the prefetch.
@inline(__always)
func sixOuterProductsOfTwoBlocks(
    _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
    inDim: Int, outDim: Int, first: Int, row: Int, lanes: Int, prefetching: Bool
) {
    let w0 = w, w1 = w0 + inDim, w2 = w1 + inDim, w3 = w2 + inDim, w4 = w3 + inDim, w5 = w4 + inDim
    let y = x + inDim * 8
    var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
    var b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0
    let next = w + 12 * inDim
    for k in 0..<inDim {
        if prefetching, k & 15 == 0 {
            dpo_prefetch(next + k); dpo_prefetch(next + inDim + k); dpo_prefetch(next + 2 * inDim + k)
            dpo_prefetch(next + 3 * inDim + k); dpo_prefetch(next + 4 * inDim + k); dpo_prefetch(next + 5 * inDim + k)
        }
        let u = load8(x, k * 8), v = load8(y, k * 8)
        let c0 = SIMD8(repeating: w0[k]), c1 = SIMD8(repeating: w1[k]), c2 = SIMD8(repeating: w2[k])
        a0.addProduct(c0, u); b0.addProduct(c0, v)
        a1.addProduct(c1, u); b1.addProduct(c1, v)
        a2.addProduct(c2, u); b2.addProduct(c2, v)
        let c3 = SIMD8(repeating: w3[k]), c4 = SIMD8(repeating: w4[k]), c5 = SIMD8(repeating: w5[k])
        a3.addProduct(c3, u); b3.addProduct(c3, v)
        a4.addProduct(c4, u); b4.addProduct(c4, v)
        a5.addProduct(c5, u); b5.addProduct(c5, v)
    }
    for lane in 0..<min(8, lanes) {
        let o = out + (row + lane) * outDim + first
        o[0] = a0[lane]; o[1] = a1[lane]; o[2] = a2[lane]; o[3] = a3[lane]; o[4] = a4[lane]; o[5] = a5[lane]
    }
    for lane in 0..<min(8, lanes - 8) {
        let o = out + (row + 8 + lane) * outDim + first
        o[0] = b0[lane]; o[1] = b1[lane]; o[2] = b2[lane]; o[3] = b3[lane]; o[4] = b4[lane]; o[5] = b5[lane]
    }
}
