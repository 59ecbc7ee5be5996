import Determinism
import Foundation
import Kernels

/// A Llama-family causal LM with exact forward and backward passes over packed token batches.
///
/// Parameters, gradients and optimizer state are flat blocks in `ParameterLayout` order. `forward` returns the
/// log-probability of every target of a `PackedBatch` and keeps what `backward` needs; `backward` takes
/// d loss / d log-prob per target and accumulates into `gradients`. The model never sees the loss.
///
/// Not thread-safe: one model is driven by one thread (its kernels use every core themselves).
public final class Transformer {
    public let config: TransformerConfig
    public let layout: ParameterLayout
    public let parameters: FloatBuffer
    /// Allocated on first use: a model trained through LoRA adapters (frozen base) never needs it.
    public private(set) lazy var gradients = FloatBuffer(count: layout.count)
    /// Rows of logits materialized at once: the LM head runs in chunks so that a large vocabulary (49k for
    /// SmolLM2) never needs a `(targets × vocab)` buffer. When all targets fit in one chunk, backward reuses the
    /// forward's probabilities; otherwise it recomputes each chunk's logits.
    public var logitBudget = 1 << 25

    let rotary: RotaryTable
    let activations: Activations
    private(set) var batch: PackedBatch?
    /// Which head the last forward pass ran, so a backward never follows the other head's forward.
    var head = Head.languageModel
    enum Head { case languageModel, hiddenStates(rows: [Int32]) }
    /// Low-rank adapters, when attached: they are then the only trainable parameters, and backward computes no
    /// gradient for the base weights (which are frozen).
    public private(set) var adapters: LoRAAdapters?

    public init(config: TransformerConfig) throws {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config)
        let gibibytes = Double(layout.count) * Double(MemoryLayout<Float>.size) / Double(1 << 30)
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30)
        guard gibibytes <= memory else {
            throw ModelError.invalidConfig(String(format: "the config implies %d parameters (%.1f GiB), more than this machine's memory (%.1f GiB)",
                                                  layout.count, gibibytes, memory))
        }
        parameters = FloatBuffer(count: layout.count)
        rotary = RotaryTable(headDim: config.headDim, maxPositions: config.maxPositions, theta: config.ropeTheta)
        activations = Activations(config: config)
    }

    public var parameterCount: Int { layout.count }

    /// A model with the same configuration and weights (no adapters, no gradients): a frozen reference.
    public func copy() throws -> Transformer {
        let copy = try Transformer(config: config)
        copy.parameters.pointer.update(from: parameters.pointer, count: layout.count)
        return copy
    }

    /// Normal(0, std) weights and unit RMSNorm gains, as `transformers` initializes a new Llama.
    public func initializeRandom(seed: UInt64, std: Float = 0.02) {
        var generator = SeededGenerator(seed: seed)
        for entry in layout.tensors {
            let values = parameters.pointer + entry.offset
            for i in 0..<entry.count { values[i] = entry.isNorm ? 1 : std * generator.nextNormal() }
        }
    }

    public func zeroGradients() {
        if let adapters { adapters.gradients.zero(adapters.count) } else { gradients.zero(layout.count) }
    }

    /// Attaches adapters (or detaches with nil); forward adds their output, backward trains only them.
    public func attach(_ adapters: LoRAAdapters?) {
        precondition(adapters.map { $0.config == config } ?? true, "adapters made for another model shape")
        self.adapters = adapters
    }

    private func weight(_ offset: Int) -> UnsafeMutablePointer<Float> { parameters.pointer + offset }
    private func gradient(_ offset: Int) -> UnsafeMutablePointer<Float> { gradients.pointer + offset }
    /// A base weight's gradient, or nil when adapters are attached and the base is frozen.
    private func baseGradient(_ offset: Int) -> UnsafeMutablePointer<Float>? { adapters == nil ? gradient(offset) : nil }

    private var logitChunk: Int { max(1, logitBudget / config.vocabSize) }

    /// Runs the model over `batch` and returns `(targets)` log-probabilities, in the batch's target order.
    public func forward(_ batch: PackedBatch) throws -> [Float] {
        try forwardTrunk(batch, targets: batch.targetCount, logitRows: min(batch.targetCount, logitChunk))
        head = .languageModel
        let c = config.hiddenSize
        let a = activations
        for (m, row) in batch.targetRows.enumerated() {
            (a.gathered.pointer + m * c).update(from: a.finalNorm.pointer + Int(row) * c, count: c)
        }
        var logp = [Float](repeating: 0, count: batch.targetCount)
        logp.withUnsafeMutableBufferPointer { logp in
            forEachLogitChunk { range in lmHeadChunk(range, logp: logp.baseAddress!, targets: batch.targetTokens) }
        }
        return logp
    }

    /// Accumulates into `gradients` the gradient of a loss whose derivative with respect to each target's
    /// log-probability (from the last `forward`) is `dlogp`.
    public func backward(_ dlogp: [Float]) {
        guard let batch, case .languageModel = head else { preconditionFailure("backward needs a forward pass first") }
        precondition(dlogp.count == batch.targetCount, "one gradient per target")
        let n = batch.rows, c = config.hiddenSize, v = config.vocabSize
        let a = activations
        let chunk = logitChunk
        let probabilitiesKept = batch.targetCount <= chunk
        a.dGathered.zero(batch.targetCount * c)
        dlogp.withUnsafeBufferPointer { dlogp in
            batch.targetTokens.withUnsafeBufferPointer { targets in
                forEachLogitChunk { range in
                    if !probabilitiesKept {
                        // Recomputing also rewrites each log-probability; into scratch, shifted to the chunk's indices.
                        var scratch = [Float](repeating: 0, count: range.count)
                        scratch.withUnsafeMutableBufferPointer {
                            lmHeadChunk(range, logp: $0.baseAddress! - range.lowerBound, targets: batch.targetTokens)
                        }
                    }
                    logSoftmaxBackwardChunk(range, dlogp: dlogp.baseAddress!, targets: targets.baseAddress!)
                    matmulBackward(a.dGathered.pointer + range.lowerBound * c, baseGradient(layout.lmHead),
                                   a.logits.pointer, a.gathered.pointer + range.lowerBound * c, weight(layout.lmHead),
                                   rows: range.count, inDim: c, outDim: v)
                }
            }
        }
        a.dNorm.zero(n * c)
        for (m, row) in batch.targetRows.enumerated() {
            addInPlace(a.dNorm.pointer + Int(row) * c, a.dGathered.pointer + m * c, count: c)
        }
        backwardTrunk()
    }

    /// The trunk: embedding, decoder layers and final RMSNorm over every row of `batch`, into
    /// `activations.finalNorm`. Whatever head follows reads those rows; `targets` and `logitRows` size its buffers.
    func forwardTrunk(_ batch: PackedBatch, targets: Int, logitRows: Int) throws {
        try batch.validate(for: config)
        self.batch = batch
        let n = batch.rows, c = config.hiddenSize, inter = config.intermediateSize
        let a = activations
        a.reserve(rows: n, targets: targets, logitRows: logitRows)
        adapters?.reserve(rows: n)
        let eps = Float(config.rmsNormEps)
        let qkvStride = a.qkvStride, width = a.attentionWidth
        batch.tokens.withUnsafeBufferPointer { tokens in
            embeddingForward(a.residual.pointer, tokens.baseAddress!, weight(layout.embedding), rows: n, channels: c)
        }
        for (l, w) in layout.layers.enumerated() {
            let buffers = a.layer(l)
            let (x, norm1, qkv, attention) = (buffers.input, buffers.attentionNorm, buffers.qkv, buffers.attention)
            let (middle, norm2, gateUp, swiglu, next) = (buffers.middle, buffers.mlpNorm, buffers.gateUp, buffers.swiglu, buffers.output)
            rmsNormForward(norm1, buffers.attentionRstd, x, weight(w.attentionNorm), rows: n, channels: c, eps: eps)
            matmulForward(qkv, norm1, weight(w.qkv), rows: n, inDim: c, outDim: qkvStride)
            adapters?.forward(layer: l, site: .qkv, out: qkv, outStride: qkvStride, inp: norm1)
            batch.positions.withUnsafeBufferPointer { positions in
                rotaryApply(qkv, rowStride: qkvStride, heads: config.heads + config.kvHeads,
                            positions: positions.baseAddress!, rows: n, table: rotary, inverse: false)
            }
            attentionForward(attention, buffers.logSumExp, qkv, spans: batch.spans, shape: a.shape)
            matmulForward(middle, attention, weight(w.output), rows: n, inDim: width, outDim: c)
            adapters?.forward(layer: l, site: .output, out: middle, outStride: c, inp: attention)
            addInPlace(middle, x, count: n * c)
            rmsNormForward(norm2, buffers.mlpRstd, middle, weight(w.mlpNorm), rows: n, channels: c, eps: eps)
            matmulForward(gateUp, norm2, weight(w.gateUp), rows: n, inDim: c, outDim: 2 * inter)
            adapters?.forward(layer: l, site: .gateUp, out: gateUp, outStride: 2 * inter, inp: norm2)
            swigluForward(swiglu, gateUp, rows: n, hidden: inter)
            matmulForward(next, swiglu, weight(w.down), rows: n, inDim: inter, outDim: c)
            adapters?.forward(layer: l, site: .down, out: next, outStride: c, inp: swiglu)
            addInPlace(next, middle, count: n * c)
        }
        rmsNormForward(a.finalNorm.pointer, a.finalRstd.pointer, a.residual.pointer + config.layers * n * c,
                       weight(layout.finalNorm), rows: n, channels: c, eps: eps)
    }

    /// Accumulates into `gradients` the trunk's gradient from d loss / d final-norm output, which the head's
    /// backward has left in `activations.dNorm` `(rows, hidden)` for the last `forwardTrunk`'s batch.
    func backwardTrunk() {
        guard let batch else { preconditionFailure("backward needs a forward pass first") }
        let n = batch.rows, c = config.hiddenSize, inter = config.intermediateSize
        let a = activations
        let qkvStride = a.qkvStride, width = a.attentionWidth
        let dx = a.dResidual.pointer
        a.dResidual.zero(n * c)
        rmsNormBackward(dx, baseGradient(layout.finalNorm), a.dNorm.pointer, a.residual.pointer + config.layers * n * c,
                        weight(layout.finalNorm), a.finalRstd.pointer, rows: n, channels: c)
        for (l, w) in layout.layers.enumerated().reversed() {
            let buffers = a.layer(l)
            let (x, norm1, qkv, attention) = (buffers.input, buffers.attentionNorm, buffers.qkv, buffers.attention)
            let (middle, norm2, gateUp, swiglu) = (buffers.middle, buffers.mlpNorm, buffers.gateUp, buffers.swiglu)
            // MLP: dx holds d(layer output) = d(middle) through the residual, plus the MLP branch below.
            a.dSwiglu.zero(n * inter)
            matmulBackward(a.dSwiglu.pointer, baseGradient(w.down), dx, swiglu, weight(w.down), rows: n, inDim: inter, outDim: c)
            adapters?.backward(layer: l, site: .down, dinp: a.dSwiglu.pointer, dout: dx, outStride: c, inp: swiglu)
            swigluBackward(a.dGateUp.pointer, a.dSwiglu.pointer, gateUp, rows: n, hidden: inter)
            a.dNorm.zero(n * c)
            matmulBackward(a.dNorm.pointer, baseGradient(w.gateUp), a.dGateUp.pointer, norm2, weight(w.gateUp),
                           rows: n, inDim: c, outDim: 2 * inter)
            adapters?.backward(layer: l, site: .gateUp, dinp: a.dNorm.pointer, dout: a.dGateUp.pointer, outStride: 2 * inter, inp: norm2)
            rmsNormBackward(dx, baseGradient(w.mlpNorm), a.dNorm.pointer, middle, weight(w.mlpNorm), buffers.mlpRstd,
                            rows: n, channels: c)
            // Attention: dx now holds d(middle) = d(layer input) through the residual, plus the branch below.
            a.dAttention.zero(n * width)
            matmulBackward(a.dAttention.pointer, baseGradient(w.output), dx, attention, weight(w.output),
                           rows: n, inDim: width, outDim: c)
            adapters?.backward(layer: l, site: .output, dinp: a.dAttention.pointer, dout: dx, outStride: c, inp: attention)
            a.dQKV.zero(n * qkvStride)
            attentionBackward(a.dQKV.pointer, a.dAttention.pointer, attention, buffers.logSumExp,
                              qkv, spans: batch.spans, shape: a.shape)
            batch.positions.withUnsafeBufferPointer { positions in
                rotaryApply(a.dQKV.pointer, rowStride: qkvStride, heads: config.heads + config.kvHeads,
                            positions: positions.baseAddress!, rows: n, table: rotary, inverse: true)
            }
            a.dNorm.zero(n * c)
            matmulBackward(a.dNorm.pointer, baseGradient(w.qkv), a.dQKV.pointer, norm1, weight(w.qkv),
                           rows: n, inDim: c, outDim: qkvStride)
            adapters?.backward(layer: l, site: .qkv, dinp: a.dNorm.pointer, dout: a.dQKV.pointer, outStride: qkvStride, inp: norm1)
            rmsNormBackward(dx, baseGradient(w.attentionNorm), a.dNorm.pointer, x, weight(w.attentionNorm),
                            buffers.attentionRstd, rows: n, channels: c)
        }
        guard adapters == nil else { return }
        batch.tokens.withUnsafeBufferPointer { tokens in
            embeddingBackward(gradient(layout.embedding), dx, tokens.baseAddress!, rows: n, channels: c)
        }
    }

    private func forEachLogitChunk(_ body: (Range<Int>) -> Void) {
        let total = activations.targets
        var start = 0
        while start < total {
            let end = min(total, start + logitChunk)
            body(start..<end)
            start = end
        }
    }

    /// Logits of one chunk of targets, turned into probabilities, with each target's log-probability into `logp`.
    private func lmHeadChunk(_ range: Range<Int>, logp: UnsafeMutablePointer<Float>, targets: [Int32]) {
        let a = activations
        let c = config.hiddenSize
        matmulForward(a.logits.pointer, a.gathered.pointer + range.lowerBound * c, weight(layout.lmHead),
                      rows: range.count, inDim: c, outDim: config.vocabSize)
        targets.withUnsafeBufferPointer { targets in
            logSoftmaxGatherForward(logp + range.lowerBound, a.logits.pointer, inverseSums: a.logitInverseSums.pointer,
                                    targets.baseAddress! + range.lowerBound, rows: range.count, vocab: config.vocabSize)
        }
    }

    private func logSoftmaxBackwardChunk(_ range: Range<Int>, dlogp: UnsafePointer<Float>, targets: UnsafePointer<Int32>) {
        logSoftmaxGatherBackward(activations.logits.pointer, inverseSums: activations.logitInverseSums.pointer,
                                 dlogp + range.lowerBound, targets + range.lowerBound,
                                 rows: range.count, vocab: config.vocabSize)
    }
}
