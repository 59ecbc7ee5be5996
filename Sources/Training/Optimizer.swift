import Foundation
import Kernels
import Model

/// The optimizer's settings, with TRL/Hugging Face key names in experiment files.
public struct OptimizerSettings: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case adamw
        /// The DPO paper's optimizer (RMSprop, no momentum).
        case rmsprop
    }

    public var kind: Kind = .adamw
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var epsilon: Double = 1e-8
    public var weightDecay: Double = 0
    /// RMSprop's smoothing constant (torch's `alpha`).
    public var alpha: Double = 0.99

    public init() {}
}

/// Optimizer state over a model's flat parameter block: moments in the same layout, one update loop per tensor.
/// RMSNorm gains are never weight-decayed (as in Hugging Face's Trainer). Tensors listed as frozen are skipped.
public final class Optimizer {
    public let settings: OptimizerSettings
    /// AdamW's first moment (unused by RMSprop) and second moment, in `ParameterLayout` order.
    public let firstMoment: FloatBuffer
    public let secondMoment: FloatBuffer
    public private(set) var step = 0
    private let layout: ParameterLayout
    private let trainable: [ParameterLayout.Entry]

    public init(settings: OptimizerSettings, layout: ParameterLayout, frozen: Set<String> = []) {
        self.settings = settings
        self.layout = layout
        trainable = layout.tensors.filter { !frozen.contains($0.name) }
        firstMoment = FloatBuffer(count: layout.count)
        secondMoment = FloatBuffer(count: layout.count)
    }

    /// Applies one update to `parameters` from `gradients` at `learningRate`.
    public func update(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        step += 1
        for entry in trainable {
            let p = parameters.pointer + entry.offset, g = gradients.pointer + entry.offset
            switch settings.kind {
            case .adamw:
                adamWUpdate(p, g, firstMoment.pointer + entry.offset, secondMoment.pointer + entry.offset,
                            count: entry.count, learningRate: Float(learningRate), beta1: Float(settings.beta1),
                            beta2: Float(settings.beta2), eps: Float(settings.epsilon),
                            weightDecay: entry.isNorm ? 0 : Float(settings.weightDecay), step: step)
            case .rmsprop:
                rmsPropUpdate(p, g, secondMoment.pointer + entry.offset, count: entry.count,
                              learningRate: Float(learningRate), alpha: Float(settings.alpha), eps: Float(settings.epsilon))
            }
        }
    }

    /// Restores the step count after loading the moments from a checkpoint.
    public func restore(step: Int) { self.step = step }
}

/// The global L2 norm of a gradient block, accumulated in Double.
public func gradientNorm(_ gradients: FloatBuffer, count: Int) -> Double {
    var total = 0.0
    var i = 0
    while i < count {
        let end = min(count, i + 4096)
        var partial: Float = 0
        for j in i..<end { partial += gradients[j] * gradients[j] }
        total += Double(partial)
        i = end
    }
    return total.squareRoot()
}

/// Scales gradients so their global norm is at most `maximum` (as `torch.nn.utils.clip_grad_norm_`, which
/// multiplies by max / (norm + 1e-6) when the norm exceeds it). Returns the norm before clipping.
@discardableResult
public func clipGradients(_ gradients: FloatBuffer, count: Int, maximum: Double) -> Double {
    let norm = gradientNorm(gradients, count: count)
    if maximum > 0, norm > maximum {
        let factor = Float(maximum / (norm + 1e-6))
        for i in 0..<count { gradients[i] *= factor }
    }
    return norm
}
