import Kernels

/// Runs a model incrementally over several sequences at once, for sampling many completions: `prefill` feeds
/// every prompt in one packed pass, then each `decode` feeds one new token for each sequence still in the batch
/// as one pass, and each leaves in `logits(_:)` every fed sequence's next-token logits.
///
/// Decoding one sequence is a matrix-vector product per weight, bound by reading the weights from memory; with B
/// sequences a step reads each weight once for all of them (`sgemm` over B rows), which is where the speed comes
/// from. Only attention is per sequence: each has its own cache slot and its own positions (prompts may have
/// different lengths; nothing is padded, so no sequence sees another's tokens or a pad). A sequence that is done
/// (`finish`) leaves the batch: the next step's rows are only the active sequences', so its cost shrinks as
/// sequences finish, and no cache is moved, since each row names its slot.
///
/// Every row goes through the same kernels as `GenerationSession`'s single row, so a sequence's logits match the
/// single-sequence session's within float rounding (`sgemm` over several rows may round a product's last bit
/// differently from the one-row kernel); a batch of one runs the single-row kernels and matches it bit for bit.
/// Like `GenerationSession`, it reads the model's parameters (which must not change meanwhile) but keeps its own
/// buffers, so a forward pass kept for `backward` is undisturbed, and it is driven by one thread.
///
/// ```swift
/// let session = try BatchGenerationSession(model: model, sequences: prompts.count, capacity: 256)
/// try session.prefill(prompts)
/// let next = session.active.map { settings.sample(session.logits($0), using: &generators[$0]) }
/// try session.decode(next)
/// ```
/// - Complexity: per step, about 2·P·n flops for the P weights (layers and LM head) over the n active rows, as one
///   pass over the weights, plus 4·layers·heads·headDim·Σt for attention over the t cached positions of each
///   active sequence.
public final class BatchGenerationSession {
    public let model: Transformer
    /// Sequences the session was made for; sequence i of `prefill`'s prompts uses cache slot i.
    public let sequenceCount: Int
    /// Positions each sequence's cache holds, fixed at creation.
    public let capacity: Int
    /// The sequences still in the batch, in row order: what the next `decode` feeds, one token each.
    public private(set) var active: [Int] = []
    /// Positions cached so far, per sequence; the next token fed to sequence i has position `counts[i]`.
    public private(set) var counts: [Int]

    private let shape: AttentionShape
    /// `(layers, sequences, kvHeads, capacity, headDim)` each: layer l's caches of all sequences are one block,
    /// the layout `batchDecodeAttentionForward` reads.
    private let keys: FloatBuffer
    private let values: FloatBuffer
    /// The row of `logitBuffer` holding each sequence's logits after the last pass, nil for a sequence not fed.
    private var logitRows: [Int?]

    // Rows of the current pass end to end, sized by the largest pass (the prefill's, Σ prompt lengths).
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
    /// `(rows, heads, capacity)`: a decode step's attention scores.
    private let scores = FloatBuffer(count: 0)
    /// `(sequences, hidden)`: the last row of each sequence fed, gathered for the final norm and LM head.
    private let lastRows = FloatBuffer(count: 0)
    /// `(sequences, vocab)`.
    private let logitBuffer = FloatBuffer(count: 0)

    /// A session for `sequences` sequences whose caches hold `capacity` positions each, at most the model's
    /// `max_position_embeddings`.
    public init(model: Transformer, sequences: Int, capacity: Int) throws {
        let config = model.config
        guard capacity <= config.maxPositions else {
            throw GenerationError.contextTooLong(positions: capacity, limit: config.maxPositions)
        }
        precondition(sequences > 0 && capacity > 0, "a batch needs at least one sequence and one position")
        self.model = model
        sequenceCount = sequences
        self.capacity = capacity
        counts = Array(repeating: 0, count: sequences)
        logitRows = Array(repeating: nil, count: sequences)
        shape = AttentionShape(heads: config.heads, kvHeads: config.kvHeads, headDim: config.headDim)
        let cacheCount = config.layers * sequences * config.kvHeads * capacity * config.headDim
        keys = FloatBuffer(count: cacheCount)
        values = FloatBuffer(count: cacheCount)
    }

    /// `(vocab)` logits predicting the token after the last one fed to `sequence`, which the last `prefill` or
    /// `decode` must have fed. Valid until the next `decode`; sampling overwrites them. `finish` leaves them valid.
    public func logits(_ sequence: Int) -> UnsafeMutableBufferPointer<Float> {
        guard let row = logitRows[sequence] else { preconditionFailure("sequence \(sequence) was not fed in the last pass") }
        let vocab = model.config.vocabSize
        return UnsafeMutableBufferPointer(start: logitBuffer.pointer + row * vocab, count: vocab)
    }

    /// Feeds every sequence's prompt (`prompts[i]` to sequence i) in one packed pass: each prompt is a span of its
    /// own for attention, with positions from 0, so prompts of different lengths need no padding. Afterwards
    /// every sequence is active.
    public func prefill(_ prompts: [[Int32]]) throws {
        guard counts.allSatisfy({ $0 == 0 }) else {
            throw GenerationError.invalidTokens("prefill starts the sequences; feed later tokens with decode")
        }
        guard prompts.count == sequenceCount else {
            throw GenerationError.invalidTokens("\(prompts.count) prompts for a session of \(sequenceCount) sequences")
        }
        if let empty = prompts.firstIndex(where: \.isEmpty) {
            throw GenerationError.invalidTokens("the prompt is empty (prompt \(empty) of \(prompts.count))")
        }
        guard prompts.allSatisfy({ $0.count <= capacity }) else { throw GenerationError.cacheFull(capacity: capacity) }
        var slots: [Int32] = [], positions: [Int32] = [], spans: [AttentionSpan] = [], lastRows: [Int] = []
        for (sequence, prompt) in prompts.enumerated() {
            spans.append(AttentionSpan(start: positions.count, count: prompt.count))
            slots += Array(repeating: Int32(sequence), count: prompt.count)
            positions += (0..<prompt.count).map(Int32.init)
            lastRows.append(positions.count - 1)
        }
        try run(tokens: prompts.flatMap { $0 }, slots: slots, positions: positions, spans: spans, lastRows: lastRows,
                sequences: Array(0..<sequenceCount))
        active = Array(0..<sequenceCount)
    }

    /// Feeds the next token of every active sequence, `tokens[r]` to `active[r]`, as one pass over
    /// `active.count` rows; each attends over its own cached positions.
    public func decode(_ tokens: [Int32]) throws {
        guard tokens.count == active.count else {
            throw GenerationError.invalidTokens("\(tokens.count) tokens for \(active.count) active sequences")
        }
        guard !active.isEmpty else { return }
        guard active.allSatisfy({ counts[$0] < capacity }) else { throw GenerationError.cacheFull(capacity: capacity) }
        let rows = active.count
        try run(tokens: tokens, slots: active.map(Int32.init), positions: active.map { Int32(counts[$0]) },
                spans: nil, lastRows: Array(0..<rows), sequences: active)
    }

    /// Takes `sequence` out of the batch (it hit a stop token or its length): later steps have one row fewer.
    /// Its cache slot is kept but never read again.
    public func finish(_ sequence: Int) {
        guard let index = active.firstIndex(of: sequence) else { preconditionFailure("sequence \(sequence) is not active") }
        active.remove(at: index)
    }

    /// One pass over the rows of `tokens`: row r has position `positions[r]` in cache slot `slots[r]`. With
    /// `spans` (a prefill) the rows attend within their spans by the batch kernel; without (a decode step) each
    /// row attends over its slot's cache. The logits of `lastRows[k]` go to sequence `sequences[k]`.
    private func run(tokens: [Int32], slots: [Int32], positions: [Int32], spans: [AttentionSpan]?,
                     lastRows rowsForLogits: [Int], sequences: [Int]) throws {
        let config = model.config
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw GenerationError.invalidTokens("token id \(bad) is outside the vocabulary (size \(config.vocabSize))")
        }
        let n = tokens.count, m = rowsForLogits.count
        let c = config.hiddenSize, inter = config.intermediateSize, stride = shape.qkvStride, width = shape.outStride
        let eps = Float(config.rmsNormEps)
        // A prefill of several rows attends by the training kernel; decode steps (and a one-token prefill, as
        // `GenerationSession` does) by the cache kernel, whose scores need `(rows, heads, capacity)` scratch.
        let spans = n > 1 ? spans : nil
        reserve(rows: n, logitRows: m)
        if spans == nil { scores.reserve(n * config.heads * capacity) }
        let layout = model.layout
        let weights = model.parameters.pointer
        let x = residual.pointer
        let layerCache = sequenceCount * config.kvHeads * capacity * config.headDim
        // The positions each row sees once its own key is stored: its position plus one.
        let lengths = positions.map { $0 + 1 }
        tokens.withUnsafeBufferPointer { tokens in
            embeddingForward(x, tokens.baseAddress!, weights + layout.embedding, rows: n, channels: c)
        }
        slots.withUnsafeBufferPointer { slots in
            positions.withUnsafeBufferPointer { positions in
                lengths.withUnsafeBufferPointer { lengths in
                    for (l, w) in layout.layers.enumerated() {
                        let layerKeys = keys.pointer + l * layerCache, layerValues = values.pointer + l * layerCache
                        rmsNormForward(norm.pointer, rstd.pointer, x, weights + w.attentionNorm, rows: n, channels: c, eps: eps)
                        linear(qkv.pointer, norm.pointer, weights + w.qkv, rows: n, inDim: c, outDim: stride)
                        rotaryApply(qkv.pointer, rowStride: stride, heads: config.heads + config.kvHeads,
                                    positions: positions.baseAddress!, rows: n, table: model.rotary, inverse: false)
                        batchCacheStore(layerKeys, layerValues, qkv.pointer, slots: slots.baseAddress!,
                                        positions: positions.baseAddress!, rows: n, capacity: capacity, shape: shape)
                        if let spans {
                            // A prefill's rows see only their own prompt's earlier rows, no cache before them.
                            attentionForward(attention.pointer, logSumExp.pointer, qkv.pointer, spans: spans, shape: shape)
                        } else {
                            batchDecodeAttentionForward(attention.pointer, scores.pointer, qkv.pointer, layerKeys, layerValues,
                                                        slots: slots.baseAddress!, lengths: lengths.baseAddress!, rows: n,
                                                        capacity: capacity, shape: shape)
                        }
                        linear(projection.pointer, attention.pointer, weights + w.output, rows: n, inDim: width, outDim: c)
                        addInPlace(x, projection.pointer, count: n * c)
                        rmsNormForward(norm.pointer, rstd.pointer, x, weights + w.mlpNorm, rows: n, channels: c, eps: eps)
                        linear(gateUp.pointer, norm.pointer, weights + w.gateUp, rows: n, inDim: c, outDim: 2 * inter)
                        swigluForward(swiglu.pointer, gateUp.pointer, rows: n, hidden: inter)
                        linear(projection.pointer, swiglu.pointer, weights + w.down, rows: n, inDim: inter, outDim: c)
                        addInPlace(x, projection.pointer, count: n * c)
                    }
                }
            }
        }
        for (k, row) in rowsForLogits.enumerated() { (lastRows.pointer + k * c).update(from: x + row * c, count: c) }
        for (k, sequence) in sequences.enumerated() {
            counts[sequence] = Int(positions[rowsForLogits[k]]) + 1
        }
        // Logits of each sequence's last row only: a prompt's earlier predictions are never needed.
        rmsNormForward(norm.pointer, rstd.pointer, lastRows.pointer, weights + layout.finalNorm, rows: m, channels: c, eps: eps)
        linear(logitBuffer.pointer, norm.pointer, weights + layout.lmHead, rows: m, inDim: c, outDim: config.vocabSize)
        logitRows = Array(repeating: nil, count: sequenceCount)
        for (k, sequence) in sequences.enumerated() { logitRows[sequence] = k }
    }

    /// A linear layer over `rows` rows: `sgemm`, which reads each weight once for every row, or for a single row
    /// the one-row kernel (`matvecForward` explains why `sgemm` is slower there), as `GenerationSession` does.
    private func linear(
        _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        rows: Int, inDim: Int, outDim: Int
    ) {
        if rows == 1 {
            matvecForward(out, inp, weight, inDim: inDim, outDim: outDim)
        } else {
            matmulForward(out, inp, weight, rows: rows, inDim: inDim, outDim: outDim)
        }
    }

    private func reserve(rows: Int, logitRows: Int) {
        let config = model.config
        let c = config.hiddenSize, inter = config.intermediateSize
        residual.reserve(rows * c)
        norm.reserve(max(rows, logitRows) * c)
        rstd.reserve(max(rows, logitRows))
        qkv.reserve(rows * shape.qkvStride)
        attention.reserve(rows * shape.outStride)
        logSumExp.reserve(rows * config.heads)
        projection.reserve(rows * c)
        gateUp.reserve(rows * 2 * inter)
        swiglu.reserve(rows * inter)
        lastRows.reserve(logitRows * c)
        logitBuffer.reserve(logitRows * config.vocabSize)
    }
}
