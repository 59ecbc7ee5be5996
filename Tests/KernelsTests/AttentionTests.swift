import Determinism
import Foundation
@testable import Kernels
import TestSupport
import XCTest

/// Causal attention with grouped-query heads and prefix-shared spans: forward against a direct Double-precision
/// implementation, backward against finite differences.
final class AttentionTests: XCTestCase {
    /// A prompt span, two completions that see the prompt, and a plain sequence, with random GQA shapes.
    private func randomProblem(_ g: inout SeededGenerator) -> (AttentionShape, [AttentionSpan], rows: Int) {
        let kvHeads = randomInt(1...2, &g)
        let shape = AttentionShape(heads: kvHeads * randomInt(1...3, &g), kvHeads: kvHeads, headDim: randomInt(1...6, &g))
        let prompt = randomInt(1...4, &g), chosen = randomInt(1...4, &g), rejected = randomInt(1...3, &g)
        let plain = randomInt(1...5, &g)
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
        let (shape, spans, rows) = randomProblem(&g)
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
        let (shape, spans, rows) = randomProblem(&g)
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
        checkGradient("attention dqkv", values: &qkv, analytic: dqkv, samples: 200, generator: &g) {
            weightedSum(forward($0), r)
        }
    }
}
