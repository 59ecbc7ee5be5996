import Kernels

/// What the forward pass keeps for the backward pass, one block per quantity with every layer's rows end to end,
/// plus the backward pass's scratch. Buffers only grow, so steady-state steps allocate nothing.
final class Activations {
    let config: TransformerConfig
    let shape: AttentionShape
    private(set) var rows = 0
    private(set) var targets = 0

    /// `(layers + 1, rows, hidden)`: the residual stream entering each layer, and the last layer's output.
    let residual = FloatBuffer(count: 0)
    /// `(layers, rows, hidden)` and `(layers, rows)`: the attention RMSNorm's output and reciprocal RMS.
    let attentionNorm = FloatBuffer(count: 0)
    let attentionRstd = FloatBuffer(count: 0)
    /// `(layers, rows, qkvStride)`: fused queries, keys (both rotated) and values.
    let qkv = FloatBuffer(count: 0)
    /// `(layers, rows, heads)`: attention log-sum-exp per query row and head.
    let logSumExp = FloatBuffer(count: 0)
    /// `(layers, rows, heads·headDim)`: attention output before `o_proj`.
    let attention = FloatBuffer(count: 0)
    /// `(layers, rows, hidden)`: the residual stream between attention and MLP.
    let middle = FloatBuffer(count: 0)
    let mlpNorm = FloatBuffer(count: 0)
    let mlpRstd = FloatBuffer(count: 0)
    /// `(layers, rows, 2·intermediate)` and `(layers, rows, intermediate)`.
    let gateUp = FloatBuffer(count: 0)
    let swiglu = FloatBuffer(count: 0)
    /// `(rows, hidden)` and `(rows)`: the final RMSNorm.
    let finalNorm = FloatBuffer(count: 0)
    let finalRstd = FloatBuffer(count: 0)
    /// `(targets, hidden)`: final-norm rows gathered at each target's row, the LM head's input.
    let gathered = FloatBuffer(count: 0)
    /// `(chunk rows, vocab)`: logits, then unnormalized probabilities, then their gradient, one chunk of targets at
    /// a time; `(chunk rows)`: each row's 1/Σ of those probabilities.
    let logits = FloatBuffer(count: 0)
    let logitInverseSums = FloatBuffer(count: 0)

    // Backward scratch, reused by every layer.
    let dResidual = FloatBuffer(count: 0)
    let dNorm = FloatBuffer(count: 0)
    let dQKV = FloatBuffer(count: 0)
    let dAttention = FloatBuffer(count: 0)
    let dGateUp = FloatBuffer(count: 0)
    let dSwiglu = FloatBuffer(count: 0)
    let dGathered = FloatBuffer(count: 0)

    init(config: TransformerConfig) {
        self.config = config
        shape = AttentionShape(heads: config.heads, kvHeads: config.kvHeads, headDim: config.headDim)
    }

    var qkvStride: Int { shape.qkvStride }
    var attentionWidth: Int { shape.outStride }

    /// One layer's slice of every per-layer buffer, for the current batch's rows.
    struct Layer {
        let input, attentionNorm, attentionRstd, qkv, logSumExp, attention, middle, mlpNorm, mlpRstd, gateUp, swiglu,
            output: UnsafeMutablePointer<Float>
    }

    func layer(_ l: Int) -> Layer {
        let n = rows, c = config.hiddenSize, inter = config.intermediateSize
        return Layer(
            input: residual.pointer + l * n * c, attentionNorm: attentionNorm.pointer + l * n * c,
            attentionRstd: attentionRstd.pointer + l * n, qkv: qkv.pointer + l * n * qkvStride,
            logSumExp: logSumExp.pointer + l * n * config.heads, attention: attention.pointer + l * n * attentionWidth,
            middle: middle.pointer + l * n * c, mlpNorm: mlpNorm.pointer + l * n * c, mlpRstd: mlpRstd.pointer + l * n,
            gateUp: gateUp.pointer + l * n * 2 * inter, swiglu: swiglu.pointer + l * n * inter,
            output: residual.pointer + (l + 1) * n * c)
    }

    /// Grows every buffer for a batch of `rows` packed tokens and `targets` predicted tokens.
    func reserve(rows: Int, targets: Int, logitRows: Int) {
        self.rows = rows
        self.targets = targets
        let layers = config.layers, c = config.hiddenSize, inter = config.intermediateSize
        residual.reserve((layers + 1) * rows * c)
        attentionNorm.reserve(layers * rows * c)
        attentionRstd.reserve(layers * rows)
        qkv.reserve(layers * rows * qkvStride)
        logSumExp.reserve(layers * rows * config.heads)
        attention.reserve(layers * rows * attentionWidth)
        middle.reserve(layers * rows * c)
        mlpNorm.reserve(layers * rows * c)
        mlpRstd.reserve(layers * rows)
        gateUp.reserve(layers * rows * 2 * inter)
        swiglu.reserve(layers * rows * inter)
        finalNorm.reserve(rows * c)
        finalRstd.reserve(rows)
        gathered.reserve(targets * c)
        logits.reserve(logitRows * config.vocabSize)
        logitInverseSums.reserve(logitRows)
        dResidual.reserve(rows * c)
        dNorm.reserve(rows * c)
        dQKV.reserve(rows * qkvStride)
        dAttention.reserve(rows * attentionWidth)
        dGateUp.reserve(rows * 2 * inter)
        dSwiglu.reserve(rows * inter)
        dGathered.reserve(targets * c)
    }
}
