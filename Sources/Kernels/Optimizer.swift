import CKernels
import Foundation

/// One AdamW step (Loshchilov & Hutter) over a flat block, as `torch.optim.AdamW` computes it: decoupled weight
/// decay `p ← p·(1 − lr·wd)`, then `p ← p − lr · m̂ / (√v̂ + eps)` with bias-corrected moments.
/// - Parameters:
///   - params, grads, m, v: `(count)`; `m` and `v` are updated in place.
///   - step: the 1-based step number, for bias correction.
///   - gradientScale: multiplies each gradient as it is read, so gradient clipping needs no pass of its own over
///     the gradients; the result is the same, bit for bit, as scaling them first.
public func adamWUpdate(
    _ params: UnsafeMutablePointer<Float>, _ grads: UnsafePointer<Float>,
    _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, count: Int,
    learningRate: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float, step: Int,
    gradientScale: Float = 1
) {
    let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
    let correction2 = 1 - Float(Foundation.pow(Double(beta2), Double(step)))
    let stepSize = learningRate / correction1
    let decay = 1 - learningRate * weightDecay
    let rootCorrection2 = correction2.squareRoot()
    // The loop is bound by its square root, which Swift computes lane by lane for a SIMD vector: the C kernel
    // takes eight lanes in one instruction, with the scalar formula's operations in the same order.
    parallelChunks(count, minimumPerChunk: 1 << 14) { range in
        let i = range.lowerBound
        dpo_adamw_update(params + i, grads + i, m + i, v + i, range.count, beta1, beta2, eps, decay, stepSize,
                         rootCorrection2, gradientScale)
    }
}

/// One RMSprop step as `torch.optim.RMSprop` computes it without momentum (the DPO paper's optimizer):
/// `v ← α·v + (1 − α)·g²`, `p ← p − lr · g / (√v + eps)`.
/// - Parameters:
///   - params, grads, v: `(count)`; `v` is updated in place.
///   - gradientScale: multiplies each gradient as it is read, as in `adamWUpdate`.
public func rmsPropUpdate(
    _ params: UnsafeMutablePointer<Float>, _ grads: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
    count: Int, learningRate: Float, alpha: Float, eps: Float, gradientScale: Float = 1
) {
    parallelChunks(count, minimumPerChunk: 1 << 14) { range in
        let i = range.lowerBound
        dpo_rmsprop_update(params + i, grads + i, v + i, range.count, learningRate, alpha, eps, gradientScale)
    }
}
