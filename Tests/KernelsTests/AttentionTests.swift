import Determinism
import Foundation
@testable import Kernels
import TestSupport
import XCTest

/// Causal attention with grouped-query heads and prefix-shared spans: forward against a direct Double-precision
/// implementation, backward against finite differences.
final class AttentionTests: XCTestCase {
    /// A prompt span, two completions that see the prompt, and a plain sequence, with random GQA shapes. In a
    /// `long` problem the prompt and the plain sequence are 65–68 and 129–133 rows, so causal products skip whole
    /// blocks of keys and end inside one.
    private func randomProblem(_ g: inout SeededGenerator, long: Bool = false) -> (AttentionShape, [AttentionSpan], rows: Int) {
        let kvHeads = randomInt(1...2, &g)
        // A long problem's heads are 17–20 wide: one 16-lane register per row of a head-wide product, plus a tail.
        let headDim = long ? randomInt(17...20, &g) : randomInt(1...6, &g)
        let shape = AttentionShape(heads: kvHeads * randomInt(1...3, &g), kvHeads: kvHeads, headDim: headDim)
        let extra = long ? 64 : 0
        let prompt = extra + randomInt(1...4, &g), chosen = randomInt(1...4, &g), rejected = randomInt(1...3, &g)
        let plain = 2 * extra + randomInt(1...5, &g)
        let spans = [
            AttentionSpan(start: 0, count: prompt),
            AttentionSpan(start: prompt, count: chosen, contextStart: 0, contextCount: prompt),
            AttentionSpan(start: prompt + chosen, count: rejected, contextStart: 0, contextCount: prompt),
            AttentionSpan(start: prompt + chosen + rejected, count: plain),
        ]
        return (shape, spans, prompt + chosen + rejected + plain)
    }

    /// The rows query `i` of `span` may attend to.
    private func visibleRows(_ span: AttentionSpan, _ i: Int) -> [Int] {
        Array(span.contextStart..<span.contextStart + span.contextCount) + Array(span.start...span.start + i)
    }

    func testForwardMatchesDirectComputation() {
        var g = SeededGenerator(seed: testSeed(#function))
        for long in [false, true] { checkForward(&g, long: long) }
    }

    private func checkForward(_ g: inout SeededGenerator, long: Bool) {
        let (shape, spans, rows) = randomProblem(&g, long: long)
        let qkv = randomValues(rows * shape.qkvStride, &g)
        var out = [Float](repeating: .nan, count: rows * shape.outStride)
        var lse = [Float](repeating: .nan, count: rows * shape.heads)
        attentionForward(&out, &lse, qkv, spans: spans, shape: shape)
        let hd = shape.headDim, group = shape.heads / shape.kvHeads
        for span in spans {
            for i in 0..<span.count {
                let row = span.start + i
                for h in 0..<shape.heads {
                    let kv = h / group
                    let keys = visibleRows(span, i)
                    let scores = keys.map { key in
                        (0..<hd).reduce(0.0) { $0 + Double(qkv[row * shape.qkvStride + h * hd + $1])
                            * Double(qkv[key * shape.qkvStride + shape.heads * hd + kv * hd + $1]) } / Double(hd).squareRoot()
                    }
                    let maximum = scores.max()!
                    let weights = scores.map { exp($0 - maximum) }
                    let total = weights.reduce(0, +)
                    XCTAssertEqual(Double(lse[row * shape.heads + h]), maximum + log(total), accuracy: 1e-4)
                    for d in 0..<hd {
                        let expected = zip(keys, weights).reduce(0.0) {
                            $0 + $1.1 / total * Double(qkv[$1.0 * shape.qkvStride + (shape.heads + shape.kvHeads + kv) * hd + d])
                        }
                        XCTAssertEqual(Double(out[row * shape.outStride + h * hd + d]), expected, accuracy: 1e-4)
                    }
                }
            }
        }
    }

    /// Backward runs groups of spans on different threads: a prompt with the completions that see it is one group,
    /// a plain sequence another, and a span whose context reaches over two groups joins them.
    func testBackwardGroupsSpansThatWriteTheSameRows() {
        let prompt = AttentionSpan(start: 0, count: 4)
        let chosen = AttentionSpan(start: 4, count: 3, contextStart: 0, contextCount: 4)
        let rejected = AttentionSpan(start: 7, count: 2, contextStart: 0, contextCount: 4)
        let plain = AttentionSpan(start: 9, count: 5)
        let secondPrompt = AttentionSpan(start: 14, count: 2)
        let secondChosen = AttentionSpan(start: 16, count: 2, contextStart: 14, contextCount: 2)
        XCTAssertEqual(touchingSpans([prompt, chosen, rejected, plain, secondPrompt, secondChosen]),
                       [[prompt, chosen, rejected], [plain], [secondPrompt, secondChosen]])
        XCTAssertEqual(touchingSpans([secondChosen, plain, secondPrompt]), [[plain], [secondChosen, secondPrompt]],
                       "spans of one group keep their order")
        let bridge = AttentionSpan(start: 18, count: 1, contextStart: 9, contextCount: 7)
        XCTAssertEqual(touchingSpans([plain, secondPrompt, bridge]), [[plain, secondPrompt, bridge]])
    }

    func testBackwardMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: testSeed(#function))
        for long in [false, true] { checkBackward(&g, long: long) }
    }

    private func checkBackward(_ g: inout SeededGenerator, long: Bool) {
        let (shape, spans, rows) = randomProblem(&g, long: long)
        var qkv = randomValues(rows * shape.qkvStride, &g)
        let r = randomValues(rows * shape.outStride, &g)
        func forward(_ qkv: [Float]) -> [Float] {
            var out = [Float](repeating: .nan, count: rows * shape.outStride)
            var lse = [Float](repeating: .nan, count: rows * shape.heads)
            attentionForward(&out, &lse, qkv, spans: spans, shape: shape)
            return out
        }
        var out = [Float](repeating: 0, count: rows * shape.outStride)
        var lse = [Float](repeating: 0, count: rows * shape.heads)
        attentionForward(&out, &lse, qkv, spans: spans, shape: shape)
        var dqkv = [Float](repeating: 0, count: qkv.count)
        attentionBackward(&dqkv, r, out, lse, qkv, spans: spans, shape: shape)
        checkGradient("attention dqkv", values: &qkv, analytic: dqkv, samples: long ? 60 : 200, generator: &g) {
            weightedSum(forward($0), r)
        }
    }

    /// Attention's products against a direct Double computation, over row counts around the C kernels' blocks of 6
    /// rows and 32 keys and heads of 1–4 registers with and without a tail. Where the C kernels run (AVX-512), the
    /// entries a causal product may skip are NaN, so reading one would show; `sgemm` reads them all, so elsewhere
    /// they are zero.
    func testProductsMatchDirectComputation() {
        var g = SeededGenerator(seed: testSeed(#function))
        for (m, n, depth) in [(1, 1, 1), (7, 33, 64), (13, 64, 40), (6, 70, 17), (25, 5, 64), (12, 48, 3), (40, 40, 64)] {
            for causal in m == n ? [false, true] : [false] {
                checkScores(m: m, n: n, depth: depth, causal: causal, &g)
            }
            for transposed in [false, true] {
                for causal in m == depth ? [false, true] : [false] {
                    checkHeadProduct(m: m, n: n, depth: depth, transposed: transposed, causal: causal, &g)
                }
            }
        }
    }

    private func checkScores(m: Int, n: Int, depth: Int, causal: Bool, _ g: inout SeededGenerator) {
        let (lda, ldb, ldo) = (depth + 3, depth + 5, n + 2)
        let a = randomValues(m * lda, &g), b = randomValues(n * ldb, &g)
        var out = [Float](repeating: .nan, count: m * ldo)
        var scratch = [Float](repeating: .nan, count: attentionScoresScratch(depth: depth, keys: n))
        attentionScores(&out, ldo: ldo, a, lda: lda, b, ldb: ldb, m: m, n: n, depth: depth, alpha: 0.5, causal: causal,
                        scratch: &scratch)
        for i in 0..<m {
            for j in 0..<(causal ? i + 1 : n) {
                let expected = 0.5 * (0..<depth).reduce(0.0) { $0 + Double(a[i * lda + $1]) * Double(b[j * ldb + $1]) }
                XCTAssertEqual(Double(out[i * ldo + j]), expected, accuracy: 1e-4, "scores \(m)×\(n)×\(depth) causal \(causal)")
            }
            XCTAssert(out[i * ldo + n..<(i + 1) * ldo].allSatisfy(\.isNaN), "scores past column \(n) written")
        }
    }

    /// A (m, depth) read row-major or transposed from a (depth, m) block; with `causal`, A(i, j) is masked where
    /// j > i (row-major: P·V) or j < i (transposed: Pᵀ·dO).
    private func checkHeadProduct(m: Int, n: Int, depth: Int, transposed: Bool, causal: Bool, _ g: inout SeededGenerator) {
        let (lda, ldb, ldo) = (transposed ? m + 1 : depth + 1, n + 4, n + 2)
        let (rowStep, depthStep) = transposed ? (1, lda) : (lda, 1)
        let skipped: Float = attentionRunsAVX512 ? .nan : 0
        var a = randomValues(transposed ? depth * lda : m * lda, &g)
        func masked(_ i: Int, _ j: Int) -> Bool { causal && (transposed ? j < i : j > i) }
        for i in 0..<m {
            for j in 0..<depth where masked(i, j) { a[i * rowStep + j * depthStep] = skipped }
        }
        let b = randomValues(depth * ldb, &g), start = randomValues(m * ldo, &g)
        for accumulate in [false, true] {
            var out = start
            attentionHeadProduct(&out, ldo: ldo, a, lda: lda, transposedA: transposed, b, ldb: ldb, m: m, n: n,
                                 depth: depth, alpha: 0.25, accumulate: accumulate, causal: causal)
            for i in 0..<m {
                for c in 0..<n {
                    let sum = (0..<depth).filter { !masked(i, $0) }.reduce(0.0) {
                        $0 + Double(a[i * rowStep + $1 * depthStep]) * Double(b[$1 * ldb + c])
                    }
                    let expected = 0.25 * sum + (accumulate ? Double(start[i * ldo + c]) : 0)
                    XCTAssertEqual(Double(out[i * ldo + c]), expected, accuracy: 1e-4,
                                   "head product \(m)×\(n)×\(depth) transposed \(transposed) causal \(causal)")
                }
                for c in n..<ldo { XCTAssertEqual(out[i * ldo + c], start[i * ldo + c], "column \(c) is not the product's") }
            }
        }
    }
}
