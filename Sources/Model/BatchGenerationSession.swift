import Kernels

/// Prompts shorter than this many tokens are prefilled by the batched kernel (`batchMatvecForward`), several to a
/// pass; longer ones by `sgemm`, one to a pass: it runs large products faster but rounds a row differently with
/// the row count, so it never sees another prompt's rows. Which path a prompt takes depends on the prompt alone,
/// so its cache and logits do not depend on the others.
let kernelPrefillLimit = 64

/// Runs a model incrementally over several sequences at once, for sampling many completions: `prefill` feeds
/// every prompt, then each `decode` feeds one new token for each sequence still in the batch as one pass, and each
/// leaves in `logits(_:)` every fed sequence's next-token logits.
///
/// Decoding one sequence is a matrix-vector product per weight, bound by reading the weights from memory; with n
/// sequences a step reads each weight once for all n rows (`batchMatvecForward`), which is where the speed comes
/// from. Only attention is per sequence: each has its own cache slot and its own positions (prompts may have
/// different lengths; nothing is padded, so no sequence sees another's tokens or a pad). A sequence that is done
/// (`finish`) leaves the batch: the next step's rows are only the active sequences', so its cost shrinks as
/// sequences finish, and no cache is moved, since each row names its slot.
///
/// Every row goes through kernels that compute it from its own data alone, so each sequence's logits are those of
/// a session of that sequence alone, bit for bit, whatever else is in the batch and whenever it finishes (a
/// session of one sequence is how `generate(prompt:)` runs). That is why the step's products are not `sgemm`:
/// OpenBLAS rounds a row differently with the row count for small products, and at temperature 1 over a 49k
/// vocabulary such last-bit differences changed about 7 of 16 SmolLM2 completions of 64 tokens (a draw in the long
/// tail moves to the neighbouring token). Measured on that model with 16 sequences, the batched kernel (outer
/// products, one chain per output) runs the decode shapes at 1.0–1.7× `sgemm`'s speed (`dpo bench decode`).
/// A session reads the model's parameters (which must not change meanwhile) but keeps its own buffers, so a
/// forward pass kept for `backward` is undisturbed, and it is driven by one thread. Attached LoRA adapters are not
/// applied (`samplingModel()` merges them into a copy first).
///
/// ```swift
/// let session = try BatchGenerationSession(model: model, sequences: prompts.count, capacity: 256)
/// try session.prefill(prompts)
/// let next = session.active.map { settings.sample(session.logits($0), using: &generators[$0]) }
/// try session.decode(next)
/// ```
/// - Complexity: per step, about 2·P·n flops for the P weights (layers and LM head) over the n active rows, in
///   one pass over the weights, plus 4·layers·heads·headDim·Σt for attention over the t cached positions of each
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

    // Rows of the current pass end to end, sized by the largest pass (a pass of prompts, or the batch).
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
    /// `(sequences, vocab)`, allocated once: the prompts' logits are written one pass at a time.
    private let logitBuffer: FloatBuffer

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
        logitBuffer = FloatBuffer(count: sequences * config.vocabSize)
    }

    /// `(vocab)` logits predicting the token after the last one fed to `sequence`, which the last `prefill` or
    /// `decode` must have fed. Valid until the next `decode`; sampling overwrites them. `finish` leaves them valid.
    public func logits(_ sequence: Int) -> UnsafeMutableBufferPointer<Float> {
        guard let row = logitRows[sequence] else { preconditionFailure("sequence \(sequence) was not fed in the last pass") }
        let vocab = model.config.vocabSize
        return UnsafeMutableBufferPointer(start: logitBuffer.pointer + row * vocab, count: vocab)
    }

    /// Feeds every sequence's prompt (`prompts[i]` to sequence i), positions from 0, so prompts of different
    /// lengths need no padding, and each sequence's cache and logits are what a session of that prompt alone gets,
    /// bit for bit. Prompts shorter than `kernelPrefillLimit` go through the batched kernel, packed together up to
    /// `packedPrefillRows` rows a pass, each attending within itself: one read of the weights serves them all, and
    /// the kernel computes a row whatever shares its pass (one-token prompts, which attend by the cache kernel, share
    /// passes only with each other). A longer prompt takes a pass of its own through `sgemm`, which rounds a row
    /// differently with the row count, so no other prompt may share its pass. Every prompt is checked before any is
    /// fed. Afterwards every sequence is active.
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
        for prompt in prompts { try checkVocabulary(prompt) }
        guard prompts.allSatisfy({ $0.count <= capacity }) else { throw GenerationError.cacheFull(capacity: capacity) }
        logitRows = Array(repeating: nil, count: sequenceCount)
        var passes: [[Int]] = []
        for (sequence, prompt) in prompts.enumerated() {
            if prompt.count >= kernelPrefillLimit {
                passes.append([sequence])
            } else if let last = passes.last, prompts[last[0]].count < kernelPrefillLimit,
                      (prompts[last[0]].count == 1) == (prompt.count == 1),
                      last.reduce(0, { $0 + prompts[$1].count }) + prompt.count <= Self.packedPrefillRows {
                passes[passes.count - 1].append(sequence)
            } else {
                passes.append([sequence])
            }
        }
        var logitRow = 0
        for pass in passes {
            var spans: [AttentionSpan] = []
            for sequence in pass { spans.append(AttentionSpan(start: spans.last.map { $0.start + $0.count } ?? 0, count: prompts[sequence].count)) }
            run(tokens: pass.flatMap { prompts[$0] }, slots: pass.flatMap { Array(repeating: Int32($0), count: prompts[$0].count) },
                positions: pass.flatMap { (0..<prompts[$0].count).map(Int32.init) }, prefill: spans, logitRow: logitRow)
            logitRow += pass.count
        }
        active = Array(0..<sequenceCount)
    }

    /// The most rows of short prompts packed into one prefill pass: their inputs (256 rows of a 576-wide layer,
    /// 0.6 MB) stay in L2 while the weights stream past, and a pass still reads each weight once for many prompts.
    static let packedPrefillRows = 256

    /// Feeds the next token of every active sequence, `tokens[r]` to `active[r]`, as one pass over
    /// `active.count` rows: each weight is read once for all of them, and each row attends over its own cache.
    public func decode(_ tokens: [Int32]) throws {
        guard tokens.count == active.count else {
            throw GenerationError.invalidTokens("\(tokens.count) tokens for \(active.count) active sequences")
        }
        guard !active.isEmpty else { return }
        try checkVocabulary(tokens)
        guard active.allSatisfy({ counts[$0] < capacity }) else { throw GenerationError.cacheFull(capacity: capacity) }
        logitRows = Array(repeating: nil, count: sequenceCount)
        run(tokens: tokens, slots: active.map(Int32.init), positions: active.map { Int32(counts[$0]) }, prefill: nil,
            logitRow: 0)
    }

    /// Takes `sequence` out of the batch (it hit a stop token or its length): later steps have one row fewer.
    /// Its cache slot is kept but never read again.
    public func finish(_ sequence: Int) {
        guard let index = active.firstIndex(of: sequence) else { preconditionFailure("sequence \(sequence) is not active") }
        active.remove(at: index)
    }

    private func checkVocabulary(_ tokens: [Int32]) throws {
        let vocab = model.config.vocabSize
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw GenerationError.invalidTokens("token id \(bad) is outside the vocabulary (size \(vocab))")
        }
    }

    /// One pass over the rows of `tokens` (checked by the caller): row r has position `positions[r]` in cache slot
    /// `slots[r]`. A prefill pass holds whole prompts end to end (`prefill`, one span each), each attending within
    /// itself; the last row of prompt j gets its logits in row `logitRow + j` of the logits. A decode pass (`prefill`
    /// nil) has one row per active sequence, each attending over its slot's cache; row r's logits go to row
    /// `logitRow + r`.
    private func run(tokens: [Int32], slots: [Int32], positions: [Int32], prefill: [AttentionSpan]?, logitRow: Int) {
        let config = model.config
        let n = tokens.count
        let c = config.hiddenSize, inter = config.intermediateSize, stride = shape.qkvStride, width = shape.outStride
        let eps = Float(config.rmsNormEps)
        // Prompts of several rows attend by the training kernel; decode steps and one-token prompts by the cache
        // kernel, whose scores need `(rows, heads, capacity)` scratch.
        let spans = prefill.flatMap { spans in spans.allSatisfy { $0.count == 1 } ? nil : spans }
        reserve(rows: n)
        if spans == nil { scores.reserve(n * config.heads * capacity) }
        // `sgemm` for a long prompt's pass (its own), the batched kernel otherwise.
        let bySgemm = prefill.map { $0.count == 1 && n >= kernelPrefillLimit } ?? false
        let linear = { (out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        rows: Int, inDim: Int, outDim: Int) in
            if bySgemm {
                matmulForward(out, inp, weight, rows: rows, inDim: inDim, outDim: outDim)
            } else {
                batchMatvecForward(out, inp, weight, rows: rows, inDim: inDim, outDim: outDim)
            }
        }
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
                        linear(qkv.pointer, norm.pointer, weights + w.qkv, n, c, stride)
                        rotaryApply(qkv.pointer, rowStride: stride, heads: config.heads + config.kvHeads,
                                    positions: positions.baseAddress!, rows: n, table: model.rotary, inverse: false)
                        batchCacheStore(layerKeys, layerValues, qkv.pointer, slots: slots.baseAddress!,
                                        positions: positions.baseAddress!, rows: n, capacity: capacity, shape: shape)
                        if let spans {
                            attentionForward(attention.pointer, logSumExp.pointer, qkv.pointer, spans: spans, shape: shape)
                        } else {
                            batchDecodeAttentionForward(attention.pointer, scores.pointer, qkv.pointer, layerKeys, layerValues,
                                                        slots: slots.baseAddress!, lengths: lengths.baseAddress!, rows: n,
                                                        capacity: capacity, shape: shape)
                        }
                        linear(projection.pointer, attention.pointer, weights + w.output, n, width, c)
                        addInPlace(x, projection.pointer, count: n * c)
                        rmsNormForward(norm.pointer, rstd.pointer, x, weights + w.mlpNorm, rows: n, channels: c, eps: eps)
                        linear(gateUp.pointer, norm.pointer, weights + w.gateUp, n, c, 2 * inter)
                        swigluForward(swiglu.pointer, gateUp.pointer, rows: n, hidden: inter)
                        linear(projection.pointer, swiglu.pointer, weights + w.down, n, inter, c)
                        addInPlace(x, projection.pointer, count: n * c)
                    }
                }
            }
        }
        for (row, slot) in zip(positions, slots) { counts[Int(slot)] = Int(row) + 1 }
        // Logits of each prompt's last row only (its earlier predictions are never needed), of every row of a step.
        let logitSources = prefill.map { $0.map { $0.start + $0.count - 1 } } ?? Array(0..<n)
        for (k, source) in logitSources.enumerated() {
            rmsNormForward(norm.pointer + k * c, rstd.pointer + k, x + source * c, weights + layout.finalNorm, rows: 1, channels: c, eps: eps)
            logitRows[Int(slots[source])] = logitRow + k
        }
        batchMatvecForward(logitBuffer.pointer + logitRow * config.vocabSize, norm.pointer, weights + layout.lmHead,
                           rows: logitSources.count, inDim: c, outDim: config.vocabSize)
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
