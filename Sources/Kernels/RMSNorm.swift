/// RMSNorm as in Llama: `out = x / sqrt(mean(x²) + eps) · weight`, computed in fp32.
/// - Parameters:
///   - out: `(rows, channels)`, overwritten.
///   - rstd: `(rows)`, the reciprocal root-mean-square of each row, kept for backward.
///   - inp: `(rows, channels)`.
///   - weight: `(channels)`.
public func rmsNormForward(
    _ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    rows: Int, channels: Int, eps: Float
) {
    parallelChunks(rows, minimumPerChunk: 64) { range in
        for t in range {
            let x = inp + t * channels
            let y = out + t * channels
            let r = 1 / (dotProduct(x, x, channels) / Float(channels) + eps).squareRoot()
            rstd[t] = r
            var i = 0
            while i + 8 <= channels {
                store8(load8(x, i) * r * load8(weight, i), y, i)
                i += 8
            }
            while i < channels {
                y[i] = x[i] * r * weight[i]
                i += 1
            }
        }
    }
}

/// Backward of `rmsNormForward`. With g = dout ⊙ weight and r = rstd:
/// `dinp += r · (g − x · r² · mean(g ⊙ x))` and `dweight += Σ_rows dout ⊙ x · r`.
/// - Parameters:
///   - dinp: `(rows, channels)`, accumulated.
///   - dweight: `(channels)`, accumulated; `nil` for a frozen weight.
///   - dout: `(rows, channels)`.
///   - inp: `(rows, channels)`, the forward input.
///   - weight: `(channels)`.
///   - rstd: `(rows)`, from the forward pass.
public func rmsNormBackward(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ rstd: UnsafePointer<Float>, rows: Int, channels: Int
) {
    parallelChunks(rows, minimumPerChunk: 64) { range in
        for t in range {
            let x = inp + t * channels
            let dy = dout + t * channels
            let dx = dinp + t * channels
            let r = rstd[t]
            var dot = SIMD8<Float>()
            var i = 0
            while i + 8 <= channels {
                dot.addProduct(load8(dy, i) * load8(weight, i), load8(x, i))
                i += 8
            }
            var tail: Float = 0
            while i < channels {
                tail += dy[i] * weight[i] * x[i]
                i += 1
            }
            let coefficient = (dot.sum() + tail) / Float(channels) * r * r
            i = 0
            while i + 8 <= channels {
                let g = load8(dy, i) * load8(weight, i)
                store8(load8(dx, i) + r * (g - load8(x, i) * coefficient), dx, i)
                i += 8
            }
            while i < channels {
                dx[i] += r * (dy[i] * weight[i] - x[i] * coefficient)
                i += 1
            }
        }
    }
    guard let dweight else { return }
    // Reduced over rows in one thread: the weight gradient is shared by every row.
    for t in 0..<rows {
        let x = inp + t * channels
        let dy = dout + t * channels
        let r = rstd[t]
        var i = 0
        while i + 8 <= channels {
            store8(load8(dweight, i) + load8(dy, i) * load8(x, i) * r, dweight, i)
            i += 8
        }
        while i < channels {
            dweight[i] += dy[i] * x[i] * r
            i += 1
        }
    }
}
