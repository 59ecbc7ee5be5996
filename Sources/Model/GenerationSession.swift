import Kernels

/// Runs a model incrementally over one sequence, for generation: `prefill` feeds the prompt in one pass, `decode`
/// feeds one token at a time, and each leaves in `logits` the next-token logits of the last position fed.
///
/// The keys and values of every position fed go into a `KVCache`, so a decode step is one row through every
/// matrix product plus one query's attention over the cache, not a re-run of the prefix. The session reads the
/// model's parameters (which must not change while it runs) but keeps its own buffers, so it never disturbs a
/// forward pass the model keeps for `backward`. Like the model, a session is driven by one thread.
///
/// - Complexity: per decoded token, about 2·P flops for the P weights it passes through (layers and LM head; each
///   weight is read once, so a step is bound by memory bandwidth) plus 4·layers·heads·headDim·t for attention over
///   the t cached positions. Nothing else grows with the prompt.
/// Prompts shorter than this many tokens are prefilled by the batched one-row kernel, longer ones by `sgemm`,
/// which runs large products faster but rounds a row differently with the row count. The choice depends on the
/// prompt alone, so a prompt gets the same cache and logits in a `GenerationSession` and in a
/// `BatchGenerationSession`, where short prompts share passes.
let kernelPrefillLimit = 64

public final class GenerationSession {
    public let model: Transformer
    public let cache: KVCache
    private let shape: AttentionShape

    // Rows of the current call end to end, sized by the longest call (the prefill): decode steps reuse them.
    /// `(rows, hidden)`: the residual stream.
    private let residual = FloatBuffer(count: 0)
    /// `(rows, hidden)` and `(rows)`: an RMSNorm's output and reciprocal RMS.
    private let norm = FloatBuffer(count: 0)
    private let rstd = FloatBuffer(count: 0)
    /// `(rows, qkvStride)`: fused queries, keys (both rotated) and values.
    private let qkv = FloatBuffer(count: 0)
    /// `(rows, heads·headDim)` and `(rows, heads)`: attention output and the prefill's log-sum-exp (unused after).
    private let attention = FloatBuffer(count: 0)
    private let logSumExp = FloatBuffer(count: 0)
    /// `(rows, hidden)`: `o_proj` or `down_proj` output before it joins the residual stream.
    private let projection = FloatBuffer(count: 0)
    /// `(rows, 2·intermediate)` and `(rows, intermediate)`.
    private let gateUp = FloatBuffer(count: 0)
    private let swiglu = FloatBuffer(count: 0)
    /// `(heads, capacity)`: one decode step's attention scores.
    private let scores: FloatBuffer
    /// `(vocab)`.
    private let logitBuffer: FloatBuffer

    /// A session whose cache holds `capacity` positions, at most the model's `max_position_embeddings`.
    public init(model: Transformer, capacity: Int) throws {
        let config = model.config
        guard capacity <= config.maxPositions else {
            throw GenerationError.contextTooLong(positions: capacity, limit: config.maxPositions)
        }
        self.model = model
        cache = KVCache(config: config, capacity: capacity)
        shape = AttentionShape(heads: config.heads, kvHeads: config.kvHeads, headDim: config.headDim)
        scores = FloatBuffer(count: config.heads * capacity)
        logitBuffer = FloatBuffer(count: config.vocabSize)
    }

    /// `(vocab)` logits predicting the token after the last one fed. Valid until the next `prefill` or `decode`;
    /// sampling overwrites them.
    public var logits: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: logitBuffer.pointer, count: model.config.vocabSize)
    }

    /// Feeds the first tokens of the sequence (the prompt) in one pass over all rows.
    public func prefill(_ tokens: [Int32]) throws {
        guard cache.count == 0 else { throw GenerationError.invalidTokens("prefill starts a sequence; feed later tokens with decode") }
        guard !tokens.isEmpty else { throw GenerationError.invalidTokens("the prompt is empty") }
        try run(tokens)
    }

    /// Feeds the next token, attending over every cached position.
    public func decode(_ token: Int32) throws { try run([token]) }

    private func run(_ tokens: [Int32]) throws {
        let config = model.config
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw GenerationError.invalidTokens("token id \(bad) is outside the vocabulary (size \(config.vocabSize))")
        }
        guard cache.count + tokens.count <= cache.capacity else { throw GenerationError.cacheFull(capacity: cache.capacity) }
        let n = tokens.count, start = cache.count
        let c = config.hiddenSize, inter = config.intermediateSize, stride = shape.qkvStride, width = shape.outStride
        let eps = Float(config.rmsNormEps)
        reserve(rows: n)
        let layout = model.layout
        let weights = model.parameters.pointer
        let x = residual.pointer
        tokens.withUnsafeBufferPointer { tokens in
            embeddingForward(x, tokens.baseAddress!, weights + layout.embedding, rows: n, channels: c)
        }
        let positions = (start..<start + n).map(Int32.init)
        for (l, w) in layout.layers.enumerated() {
            rmsNormForward(norm.pointer, rstd.pointer, x, weights + w.attentionNorm, rows: n, channels: c, eps: eps)
            linear(qkv.pointer, norm.pointer, weights + w.qkv, rows: n, inDim: c, outDim: stride)
            positions.withUnsafeBufferPointer { positions in
                rotaryApply(qkv.pointer, rowStride: stride, heads: config.heads + config.kvHeads,
                            positions: positions.baseAddress!, rows: n, table: model.rotary, inverse: false)
            }
            cache.store(layer: l, qkv: qkv.pointer, rows: n, shape: shape)
            if n == 1 {
                decodeAttentionForward(attention.pointer, scores.pointer, qkv.pointer, cache.keys(layer: l),
                                       cache.values(layer: l), length: start + 1, capacity: cache.capacity, shape: shape)
            } else {
                // Only a prefill feeds several rows, and its rows see nothing before them: the batch kernel applies.
                attentionForward(attention.pointer, logSumExp.pointer, qkv.pointer,
                                 spans: [AttentionSpan(start: 0, count: n)], shape: shape)
            }
            linear(projection.pointer, attention.pointer, weights + w.output, rows: n, inDim: width, outDim: c)
            addInPlace(x, projection.pointer, count: n * c)
            rmsNormForward(norm.pointer, rstd.pointer, x, weights + w.mlpNorm, rows: n, channels: c, eps: eps)
            linear(gateUp.pointer, norm.pointer, weights + w.gateUp, rows: n, inDim: c, outDim: 2 * inter)
            swigluForward(swiglu.pointer, gateUp.pointer, rows: n, hidden: inter)
            linear(projection.pointer, swiglu.pointer, weights + w.down, rows: n, inDim: inter, outDim: c)
            addInPlace(x, projection.pointer, count: n * c)
        }
        cache.count += n
        // Logits for the last row only: earlier rows' predictions are never needed.
        rmsNormForward(norm.pointer, rstd.pointer, x + (n - 1) * c, weights + layout.finalNorm, rows: 1, channels: c, eps: eps)
        matvecForward(logitBuffer.pointer, norm.pointer, weights + layout.lmHead, inDim: c, outDim: config.vocabSize)
    }

    /// A linear layer over `rows` rows: the one-row kernel for a decode step and a short prompt, `sgemm` for a
    /// prompt of `kernelPrefillLimit` tokens or more.
    private func linear(
        _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        rows: Int, inDim: Int, outDim: Int
    ) {
        if rows < kernelPrefillLimit {
            batchMatvecForward(out, inp, weight, rows: rows, inDim: inDim, outDim: outDim)
        } else {
            matmulForward(out, inp, weight, rows: rows, inDim: inDim, outDim: outDim)
        }
    }

    private func reserve(rows: Int) {
        let config = model.config
        let c = config.hiddenSize, inter = config.intermediateSize
        residual.reserve(rows * c)
        norm.reserve(rows * c)
        rstd.reserve(rows)
        qkv.reserve(rows * shape.qkvStride)
        attention.reserve(rows * shape.outStride)
        logSumExp.reserve(rows * config.heads)
        projection.reserve(rows * c)
        gateUp.reserve(rows * 2 * inter)
        swiglu.reserve(rows * inter)
    }
}
