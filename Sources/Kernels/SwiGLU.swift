/// The SwiGLU gate of Llama's MLP: `out = silu(gate) ⊙ up`, silu(g) = g·σ(g). The gate and up projections come
/// from one fused product, so each input row is `[gate (hidden) | up (hidden)]`.
/// - Parameters:
///   - out: `(rows, hidden)`, overwritten.
///   - gateUp: `(rows, 2·hidden)`.
public func swigluForward(
    _ out: UnsafeMutablePointer<Float>, _ gateUp: UnsafePointer<Float>, rows: Int, hidden: Int
) {
    // Eight thousand outputs a chunk at least: a decode step's 16 rows of 1536 split over the cores.
    parallelChunks(rows, minimumPerChunk: max(1, 8192 / hidden)) { range in
        for t in range {
            let gate = gateUp + t * 2 * hidden
            let up = gate + hidden
            let y = out + t * hidden
            var i = 0
            while i + 8 <= hidden {
                let g = load8(gate, i)
                store8(g * sigmoid8(g) * load8(up, i), y, i)
                i += 8
            }
            while i < hidden {
                y[i] = silu(gate[i]) * up[i]
                i += 1
            }
        }
    }
}

/// Backward of `swigluForward`: `dgate = dout ⊙ up ⊙ σ(g)(1 + g(1 − σ(g)))`, `dup = dout ⊙ silu(g)`. Written, not
/// accumulated: nothing else adds into the gate/up gradient, and a zeroing pass before it read and wrote 12.7 MB
/// a layer on the benchmark's tiny model.
/// - Parameters:
///   - dgateUp: `(rows, 2·hidden)`, overwritten.
///   - dout: `(rows, hidden)`.
///   - gateUp: `(rows, 2·hidden)`, the forward input.
public func swigluBackward(
    _ dgateUp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ gateUp: UnsafePointer<Float>,
    rows: Int, hidden: Int
) {
    parallelChunks(rows, minimumPerChunk: 16) { range in
        for t in range {
            let gate = gateUp + t * 2 * hidden
            let up = gate + hidden
            let dgate = dgateUp + t * 2 * hidden
            let dup = dgate + hidden
            let dy = dout + t * hidden
            var i = 0
            while i + 8 <= hidden {
                let g = load8(gate, i)
                let s = sigmoid8(g)
                let d = load8(dy, i)
                store8(d * load8(up, i) * s * (1 + g * (1 - s)), dgate, i)
                store8(d * g * s, dup, i)
                i += 8
            }
            while i < hidden {
                let g = gate[i]
                let s = 1 / (1 + expScalar(-g))
                dgate[i] = dy[i] * up[i] * s * (1 + g * (1 - s))
                dup[i] = dy[i] * g * s
                i += 1
            }
        }
    }
}

@inline(__always)
func silu(_ g: Float) -> Float { g / (1 + expScalar(-g)) }

/// Scalar e^x through the same polynomial as `exp8`, so tails of a row round exactly like its body.
@inline(__always)
public func expScalar(_ x: Float) -> Float { exp8(SIMD8(repeating: x))[0] }
