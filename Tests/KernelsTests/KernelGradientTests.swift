import Determinism
import Foundation
import Kernels
import TestSupport
import XCTest

/// Every kernel's backward pass against central finite differences of its forward pass, on random shapes.
final class KernelGradientTests: XCTestCase {
    func testMatmul() {
        var g = SeededGenerator(seed: testSeed(#function))
        let rows = randomInt(1...9, &g), inDim = randomInt(1...17, &g), outDim = randomInt(1...13, &g)
        var inp = randomValues(rows * inDim, &g), weight = randomValues(outDim * inDim, &g)
        let r = randomValues(rows * outDim, &g)
        func forward(_ inp: [Float], _ weight: [Float]) -> [Float] {
            var out = [Float](repeating: .nan, count: rows * outDim)
            matmulForward(&out, inp, weight, rows: rows, inDim: inDim, outDim: outDim)
            return out
        }
        var dinp = [Float](repeating: 0, count: inp.count), dweight = [Float](repeating: 0, count: weight.count)
        matmulBackward(&dinp, &dweight, r, inp, weight, rows: rows, inDim: inDim, outDim: outDim)
        let fixedWeight = weight, fixedInp = inp
        checkGradient("matmul dinp", values: &inp, analytic: dinp, generator: &g) { weightedSum(forward($0, fixedWeight), r) }
        checkGradient("matmul dweight", values: &weight, analytic: dweight, generator: &g) { weightedSum(forward(fixedInp, $0), r) }
    }

    func testEmbeddingAccumulatesRepeatedTokens() {
        var g = SeededGenerator(seed: testSeed(#function))
        let vocab = randomInt(2...11, &g), channels = randomInt(1...19, &g), rows = randomInt(1...15, &g)
        let tokens = (0..<rows).map { _ in Int32(randomInt(0...(vocab - 1), &g)) }
        var table = randomValues(vocab * channels, &g)
        let r = randomValues(rows * channels, &g)
        func forward(_ table: [Float]) -> [Float] {
            var out = [Float](repeating: .nan, count: rows * channels)
            embeddingForward(&out, tokens, table, rows: rows, channels: channels)
            return out
        }
        var dtable = [Float](repeating: 0, count: table.count)
        embeddingBackward(&dtable, r, tokens, rows: rows, channels: channels)
        checkGradient("embedding dtable", values: &table, analytic: dtable, generator: &g) { weightedSum(forward($0), r) }
    }

    func testRMSNorm() {
        var g = SeededGenerator(seed: testSeed(#function))
        let rows = randomInt(1...7, &g), channels = randomInt(4...37, &g)
        var inp = randomValues(rows * channels, &g), weight = randomValues(channels, &g)
        let r = randomValues(rows * channels, &g)
        func forward(_ inp: [Float], _ weight: [Float]) -> ([Float], [Float]) {
            var out = [Float](repeating: .nan, count: rows * channels), rstd = [Float](repeating: .nan, count: rows)
            rmsNormForward(&out, &rstd, inp, weight, rows: rows, channels: channels, eps: 1e-5)
            return (out, rstd)
        }
        let (out, rstd) = forward(inp, weight)
        for t in 0..<rows {
            let row = inp[t * channels..<(t + 1) * channels]
            let expected = 1 / (row.map { Double($0 * $0) }.reduce(0, +) / Double(channels) + 1e-5).squareRoot()
            XCTAssertEqual(Double(rstd[t]), expected, accuracy: 1e-5 * expected)
            XCTAssertEqual(Double(out[t * channels]), Double(inp[t * channels] * weight[0]) * expected, accuracy: 1e-4)
        }
        var dinp = [Float](repeating: 0, count: inp.count), dweight = [Float](repeating: 0, count: channels)
        rmsNormBackward(&dinp, &dweight, r, inp, weight, rstd, rows: rows, channels: channels)
        let fixedWeight = weight, fixedInp = inp
        checkGradient("rmsnorm dinp", values: &inp, analytic: dinp, generator: &g) {
            weightedSum(forward($0, fixedWeight).0, r)
        }
        checkGradient("rmsnorm dweight", values: &weight, analytic: dweight, generator: &g) {
            weightedSum(forward(fixedInp, $0).0, r)
        }
    }

    func testRotaryBackwardIsTheTransposedRotation() {
        var g = SeededGenerator(seed: testSeed(#function))
        let headDim = 2 * randomInt(1...12, &g), heads = randomInt(1...3, &g), rows = randomInt(1...9, &g)
        let stride = heads * headDim + randomInt(0...5, &g)
        let table = RotaryTable(headDim: headDim, maxPositions: 64, theta: 10_000)
        let positions = (0..<rows).map { _ in Int32(randomInt(0...63, &g)) }
        var x = randomValues(rows * stride, &g)
        let r = randomValues(rows * stride, &g)
        func forward(_ x: [Float]) -> [Float] {
            var y = x
            rotaryApply(&y, rowStride: stride, heads: heads, positions: positions, rows: rows, table: table, inverse: false)
            return y
        }
        // Rotation keeps each pair's norm; position 0 is the identity.
        let y = forward(x)
        XCTAssertEqual(sumSquares(y), sumSquares(x), accuracy: 1e-3 * sumSquares(x))
        var dx = r
        rotaryApply(&dx, rowStride: stride, heads: heads, positions: positions, rows: rows, table: table, inverse: true)
        checkGradient("rotary dx", values: &x, analytic: dx, generator: &g) { weightedSum(forward($0), r) }
    }

    func testRotaryMatchesRotateHalfFormula() {
        let table = RotaryTable(headDim: 4, maxPositions: 8, theta: 100)
        var x: [Float] = [1, 2, 3, 4]
        rotaryApply(&x, rowStride: 4, heads: 1, positions: [3], rows: 1, table: table, inverse: false)
        // Frequencies 100^0 = 1 and 100^(-1/2) = 0.1 at position 3: angles 3 and 0.3; pairs (x0, x2) and (x1, x3).
        let expected: [Double] = [1 * cos(3) - 3 * sin(3), 2 * cos(0.3) - 4 * sin(0.3),
                                  3 * cos(3) + 1 * sin(3), 4 * cos(0.3) + 2 * sin(0.3)]
        for (value, reference) in zip(x, expected) { XCTAssertEqual(Double(value), reference, accuracy: 1e-5) }
    }

    func testSwiGLU() {
        var g = SeededGenerator(seed: testSeed(#function))
        let rows = randomInt(1...6, &g), hidden = randomInt(1...29, &g)
        var gateUp = randomValues(rows * 2 * hidden, &g, scale: 2)
        let r = randomValues(rows * hidden, &g)
        func forward(_ gateUp: [Float]) -> [Float] {
            var out = [Float](repeating: .nan, count: rows * hidden)
            swigluForward(&out, gateUp, rows: rows, hidden: hidden)
            return out
        }
        let out = forward(gateUp)
        let gate = Double(gateUp[0]), up = Double(gateUp[hidden])
        XCTAssertEqual(Double(out[0]), gate / (1 + exp(-gate)) * up, accuracy: 1e-5)
        var dgateUp = [Float](repeating: .nan, count: gateUp.count)  // written, not accumulated
        swigluBackward(&dgateUp, r, gateUp, rows: rows, hidden: hidden)
        checkGradient("swiglu dgateUp", values: &gateUp, analytic: dgateUp, generator: &g) { weightedSum(forward($0), r) }
    }

    func testLogSoftmaxGather() {
        var g = SeededGenerator(seed: testSeed(#function))
        let rows = randomInt(1...6, &g), vocab = randomInt(2...45, &g)
        var logits = randomValues(rows * vocab, &g, scale: 3)
        let targets = (0..<rows).map { _ in Int32(randomInt(0...(vocab - 1), &g)) }
        let r = randomValues(rows, &g)
        func forward(_ logits: [Float]) -> [Float] {
            var scratch = logits, logp = [Float](repeating: .nan, count: rows), inverseSums = logp
            logSoftmaxGatherForward(&logp, &scratch, inverseSums: &inverseSums, targets, rows: rows, vocab: vocab)
            return logp
        }
        let logp = forward(logits)
        for m in 0..<rows {
            let row = logits[m * vocab..<(m + 1) * vocab].map(Double.init)
            let reference = row[row.startIndex + Int(targets[m])] - log(row.map { exp($0) }.reduce(0, +))
            XCTAssertEqual(Double(logp[m]), reference, accuracy: 1e-5)
        }
        var probabilities = logits, scratch = [Float](repeating: 0, count: rows), inverseSums = scratch
        logSoftmaxGatherForward(&scratch, &probabilities, inverseSums: &inverseSums, targets, rows: rows, vocab: vocab)
        logSoftmaxGatherBackward(&probabilities, inverseSums: inverseSums, r, targets, rows: rows, vocab: vocab)
        checkGradient("logsoftmax dlogits", values: &logits, analytic: probabilities, generator: &g) {
            weightedSum(forward($0), r)
        }
    }

    func testExp8IsAccurate() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let value = exp8(SIMD8(repeating: x))[0]
            let reference = Float(exp(Double(x)))
            worst = max(worst, abs(value - reference) / reference)
            x += 0.0137
        }
        print("exp8: worst relative error \(worst) on [-87, 88]")
        XCTAssertLessThan(worst, 4e-7)
    }

    private func sumSquares(_ values: [Float]) -> Double { values.reduce(0) { $0 + Double($1 * $1) } }
}
