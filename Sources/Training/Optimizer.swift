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

/// What an optimizer updates: a flat block of parameters with its gradients, split into tensors, each decayed or
/// not. The whole model, or only its LoRA adapters.
public struct TrainableBlock {
    public struct Tensor: Sendable {
        public let offset: Int
        public let count: Int
        public let decays: Bool
    }

    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    public let count: Int
    public let tensors: [Tensor]

    /// Every weight of the model; RMSNorm gains are not weight-decayed (as in Hugging Face's Trainer).
    public static func model(_ model: Transformer) -> TrainableBlock {
        TrainableBlock(parameters: model.parameters, gradients: model.gradients, count: model.parameterCount,
                       tensors: model.layout.tensors.map { Tensor(offset: $0.offset, count: $0.count, decays: !$0.isNorm) })
    }

    /// A reward model's score weight (decayed, as transformers' Trainer decays every non-norm weight); its
    /// trunk is `.model(reward.trunk)`.
    public static func score(_ reward: RewardModel) -> TrainableBlock {
        TrainableBlock(parameters: reward.score, gradients: reward.scoreGradients, count: reward.hiddenSize,
                       tensors: [Tensor(offset: 0, count: reward.hiddenSize, decays: true)])
    }

    /// The model's trainable parameters: its adapters when attached, else every weight.
    public static func trainable(_ model: Transformer) -> TrainableBlock {
        guard let adapters = model.adapters else { return .model(model) }
        return TrainableBlock(parameters: adapters.parameters, gradients: adapters.gradients, count: adapters.count,
                              tensors: adapters.tensors.map { Tensor(offset: $0.offset, count: $0.shape.reduce(1, *), decays: true) })
    }
}

/// Optimizer state over a trainable block: moments in the same layout, one update loop per tensor.
public final class Optimizer {
    public let settings: OptimizerSettings
    /// AdamW's first moment (unused by RMSprop) and second moment, in the block's layout.
    public let firstMoment: FloatBuffer
    public let secondMoment: FloatBuffer
    public private(set) var step = 0
    public let block: TrainableBlock

    public init(settings: OptimizerSettings, block: TrainableBlock) {
        self.settings = settings
        self.block = block
        firstMoment = FloatBuffer(count: block.count)
        secondMoment = FloatBuffer(count: block.count)
    }

    /// Applies one update to the block's parameters from its gradients at `learningRate`, the gradients multiplied
    /// by `gradientScale` as they are read (`clipScale`: clipping costs no pass over the gradients of its own).
    public func update(learningRate: Double, gradientScale: Float = 1) {
        step += 1
        for tensor in block.tensors {
            let p = block.parameters.pointer + tensor.offset, g = block.gradients.pointer + tensor.offset
            switch settings.kind {
            case .adamw:
                adamWUpdate(p, g, firstMoment.pointer + tensor.offset, secondMoment.pointer + tensor.offset,
                            count: tensor.count, learningRate: Float(learningRate), beta1: Float(settings.beta1),
                            beta2: Float(settings.beta2), eps: Float(settings.epsilon),
                            weightDecay: tensor.decays ? Float(settings.weightDecay) : 0, step: step,
                            gradientScale: gradientScale)
            case .rmsprop:
                rmsPropUpdate(p, g, secondMoment.pointer + tensor.offset, count: tensor.count,
                              learningRate: Float(learningRate), alpha: Float(settings.alpha),
                              eps: Float(settings.epsilon), gradientScale: gradientScale)
            }
        }
    }

    /// Forgets the moments and the step count: a fresh optimizer over the same parameters (each SPPO round).
    public func reset() {
        firstMoment.zero(block.count)
        secondMoment.zero(block.count)
        step = 0
    }

    /// Restores the step count after loading the moments from a checkpoint.
    public func restore(step: Int) { self.step = step }
}

/// The global L2 norm of a gradient block, accumulated in Double.
public func gradientNorm(_ gradients: FloatBuffer, count: Int) -> Double {
    gradientNorm([(gradients, count)])
}

/// The global L2 norm of several blocks together, as torch clips all of a model's parameters at once (a reward
/// model's trunk and score weight).
public func gradientNorm(_ blocks: [(gradients: FloatBuffer, count: Int)]) -> Double {
    blocks.reduce(0) { $0 + squaredNorm($1.gradients, count: $1.count) }.squareRoot()
}

/// Σ g² in Double over chunks of 4096, each chunk's dot product in Float: the chunks run on every core, and their
/// sum is taken in order afterwards, so the result does not depend on the core count.
private func squaredNorm(_ gradients: FloatBuffer, count: Int) -> Double {
    let chunk = 4096
    let chunks = (count + chunk - 1) / chunk
    var partial = [Float](repeating: 0, count: chunks)
    partial.withUnsafeMutableBufferPointer { partial in
        let sums = partial.baseAddress!
        parallelChunks(chunks, minimumPerChunk: 64) { range in
            for index in range {
                let start = gradients.pointer + index * chunk
                sums[index] = dotProduct(start, start, min(count - index * chunk, chunk))
            }
        }
    }
    return partial.reduce(0.0) { $0 + Double($1) }
}

/// What `torch.nn.utils.clip_grad_norm_` multiplies the gradients by: max / (norm + 1e-6) when the global norm
/// exceeds a positive `maximum`, else 1. `Optimizer.update` applies it as it reads the gradients.
public func clipScale(norm: Double, maximum: Double) -> Float {
    maximum > 0 && norm > maximum ? Float(maximum / (norm + 1e-6)) : 1
}
