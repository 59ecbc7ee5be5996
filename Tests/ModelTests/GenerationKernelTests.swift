import Determinism
import Kernels
import XCTest

/// The decode step's kernels against the batch kernels they stand in for, on shapes with ragged tails (sizes that
/// are not multiples of the eight SIMD lanes or of the outputs `batchMatvecForward` handles at once).
final class GenerationKernelTests: XCTestCase {
    private func random(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in generator.nextNormal() }
    }

    func testDecodeProductEqualsMatmul() {
        var generator = SeededGenerator(seed: 3)
        for (inDim, outDim) in [(1, 1), (7, 5), (13, 6), (16, 32), (37, 11), (300, 1030)] {
            for rows in [1, 3, 16, 40] {
                let weight = random(inDim * outDim, &generator), inp = random(rows * inDim, &generator)
                var expected = [Float](repeating: 0, count: rows * outDim), out = [Float](repeating: .nan, count: rows * outDim)
                matmulForward(&expected, inp, weight, rows: rows, inDim: inDim, outDim: outDim)
                batchMatvecForward(&out, inp, weight, rows: rows, inDim: inDim, outDim: outDim)
                let error = zip(out, expected).map { abs($0 - $1) }.max()!
                XCTAssertLessThanOrEqual(error, 1e-5 * Float(inDim).squareRoot(), "\(rows) × \(outDim)×\(inDim)")
            }
        }
    }

    /// A row's outputs do not depend on the rows beside it, bit for bit: 40 rows (two pairs of blocks read without
    /// the decode path's prefetch, then a single block) against each row alone.
    func testDecodeProductRowIsTheSameAloneAndAmongForty() {
        var generator = SeededGenerator(seed: 5)
        let (rows, inDim, outDim) = (40, 37, 23)
        let weight = random(inDim * outDim, &generator), inp = random(rows * inDim, &generator)
        var together = [Float](repeating: .nan, count: rows * outDim)
        batchMatvecForward(&together, inp, weight, rows: rows, inDim: inDim, outDim: outDim)
        for row in 0..<rows {
            var alone = [Float](repeating: .nan, count: outDim)
            batchMatvecForward(&alone, Array(inp[row * inDim..<(row + 1) * inDim]), weight, rows: 1, inDim: inDim, outDim: outDim)
            XCTAssertEqual(alone, Array(together[row * outDim..<(row + 1) * outDim]), "row \(row)")
        }
    }

    /// One query over a cache (a decode step of one sequence) equals the last row of causal batch attention over the
    /// same keys and values.
    func testDecodeAttentionEqualsLastRowOfBatchAttention() {
        var generator = SeededGenerator(seed: 4)
        for (heads, kvHeads, headDim, length) in [(4, 2, 6, 1), (4, 2, 6, 9), (3, 3, 16, 20), (6, 1, 10, 33)] {
            let shape = AttentionShape(heads: heads, kvHeads: kvHeads, headDim: headDim)
            let capacity = length + 3
            let qkv = random(length * shape.qkvStride, &generator)
            var expected = [Float](repeating: 0, count: length * shape.outStride)
            var logSumExp = [Float](repeating: 0, count: length * heads)
            attentionForward(&expected, &logSumExp, qkv, spans: [AttentionSpan(start: 0, count: length)], shape: shape)
            // One slot of the cache's layout, (kvHeads, capacity, headDim), keys then values read from the fused rows.
            var keys = [Float](repeating: .nan, count: kvHeads * capacity * headDim), values = keys
            for position in 0..<length {
                for head in 0..<kvHeads {
                    for d in 0..<headDim {
                        let column = position * shape.qkvStride + shape.outStride + head * headDim + d
                        keys[(head * capacity + position) * headDim + d] = qkv[column]
                        values[(head * capacity + position) * headDim + d] = qkv[column + kvHeads * headDim]
                    }
                }
            }
            let lastRow = Array(qkv[(length - 1) * shape.qkvStride..<length * shape.qkvStride])
            var out = [Float](repeating: .nan, count: shape.outStride)
            var scores = [Float](repeating: .nan, count: heads * capacity)
            batchDecodeAttentionForward(&out, &scores, lastRow, keys, values, slots: [0], lengths: [Int32(length)], rows: 1,
                                        capacity: capacity, shape: shape)
            let error = zip(out, expected.suffix(shape.outStride)).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(error, 1e-5, "heads \(heads)/\(kvHeads), headDim \(headDim), length \(length)")
        }
    }
}
