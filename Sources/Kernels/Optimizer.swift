import Foundation

/// One AdamW step (Loshchilov & Hutter) over a flat block, as `torch.optim.AdamW` computes it: decoupled weight
/// decay `p ← p·(1 − lr·wd)`, then `p ← p − lr · m̂ / (√v̂ + eps)` with bias-corrected moments.
/// - Parameters:
///   - params, grads, m, v: `(count)`; `m` and `v` are updated in place.
///   - step: the 1-based step number, for bias correction.
public func adamWUpdate(
    _ params: UnsafeMutablePointer<Float>, _ grads: UnsafePointer<Float>,
    _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, count: Int,
    learningRate: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float, step: Int
) {
    let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
    let correction2 = 1 - Float(Foundation.pow(Double(beta2), Double(step)))
    let stepSize = learningRate / correction1
    let decay = 1 - learningRate * weightDecay
    let rootCorrection2 = correction2.squareRoot()
    // Eight lanes at a time with the scalar loop's operations in the same order, so every lane rounds as the
    // scalar tail does: the loop is bound by its square root and two divisions, which the compiler leaves scalar.
    parallelChunks(count, minimumPerChunk: 1 << 14) { range in
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let g = load8(grads, i)
            let m8 = beta1 * load8(m, i) + (1 - beta1) * g
            let v8 = beta2 * load8(v, i) + (1 - beta2) * g * g
            let denominator = v8.squareRoot() / rootCorrection2 + eps
            store8(m8, m, i)
            store8(v8, v, i)
            store8(load8(params, i) * decay - stepSize * m8 / denominator, params, i)
            i += 8
        }
        while i < range.upperBound {
            let g = grads[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            let denominator = v[i].squareRoot() / rootCorrection2 + eps
            params[i] = params[i] * decay - stepSize * m[i] / denominator
            i += 1
        }
    }
}

/// One RMSprop step as `torch.optim.RMSprop` computes it without momentum (the DPO paper's optimizer):
/// `v ← α·v + (1 − α)·g²`, `p ← p − lr · g / (√v + eps)`.
/// - Parameters:
///   - params, grads, v: `(count)`; `v` is updated in place.
public func rmsPropUpdate(
    _ params: UnsafeMutablePointer<Float>, _ grads: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
    count: Int, learningRate: Float, alpha: Float, eps: Float
) {
    parallelChunks(count, minimumPerChunk: 1 << 14) { range in
        for i in range {
            let g = grads[i]
            v[i] = alpha * v[i] + (1 - alpha) * g * g
            params[i] -= learningRate * g / (v[i].squareRoot() + eps)
        }
    }
}
