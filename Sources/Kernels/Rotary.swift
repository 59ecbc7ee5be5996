import Foundation

/// Rotary position embeddings in Hugging Face Llama's "rotate half" convention: each head's vector splits into
/// halves (x1, x2) rotated by angle p·θᵢ, θᵢ = rope_theta^(−2i/d), i < d/2, to (x1·cos − x2·sin, x2·cos + x1·sin).
/// The table holds cos and sin for every position up to `maxPositions`.
public struct RotaryTable: Sendable {
    public let headDim: Int
    public let maxPositions: Int
    /// `(maxPositions, headDim / 2)` each.
    let cos: [Float]
    let sin: [Float]

    public init(headDim: Int, maxPositions: Int, theta: Double) {
        precondition(headDim % 2 == 0, "rotary embeddings need an even head dimension")
        self.headDim = headDim
        self.maxPositions = maxPositions
        let half = headDim / 2
        // The inverse frequencies are rounded to Float first, as transformers builds them in fp32.
        let inverseFrequencies = (0..<half).map { Float(1.0 / pow(theta, Double(2 * $0) / Double(headDim))) }
        var cosTable = [Float](repeating: 0, count: maxPositions * half)
        var sinTable = cosTable
        for position in 0..<maxPositions {
            for i in 0..<half {
                let angle = Float(position) * inverseFrequencies[i]
                cosTable[position * half + i] = Foundation.cos(angle)
                sinTable[position * half + i] = Foundation.sin(angle)
            }
        }
        cos = cosTable
        sin = sinTable
    }
}

/// Rotates, in place, `heads` consecutive head vectors in each row by the row's position.
/// Run with `inverse: true` for the backward pass: the transpose of a rotation is the rotation by −angle.
/// - Parameters:
///   - x: rows of stride `rowStride`; the heads start at column 0 of each row, `heads · headDim` floats.
///   - positions: `(rows)`, each below `table.maxPositions` (checked by the caller).
public func rotaryApply(
    _ x: UnsafeMutablePointer<Float>, rowStride: Int, heads: Int, positions: UnsafePointer<Int32>,
    rows: Int, table: RotaryTable, inverse: Bool
) {
    let half = table.headDim / 2
    let direction: Float = inverse ? -1 : 1
    table.cos.withUnsafeBufferPointer { cosTable in
        table.sin.withUnsafeBufferPointer { sinTable in
            parallelChunks(rows, minimumPerChunk: 64) { range in
                for t in range {
                    let c = cosTable.baseAddress! + Int(positions[t]) * half
                    let s = sinTable.baseAddress! + Int(positions[t]) * half
                    for h in 0..<heads {
                        let x1 = x + t * rowStride + h * table.headDim
                        let x2 = x1 + half
                        var i = 0
                        while i + 8 <= half {
                            let a = load8(x1, i), b = load8(x2, i)
                            let cv = load8(c, i), sv = load8(s, i) * direction
                            store8(a * cv - b * sv, x1, i)
                            store8(b * cv + a * sv, x2, i)
                            i += 8
                        }
                        while i < half {
                            let a = x1[i], b = x2[i]
                            let sv = s[i] * direction
                            x1[i] = a * c[i] - b * sv
                            x2[i] = b * c[i] + a * sv
                            i += 1
                        }
                    }
                }
            }
        }
    }
}
