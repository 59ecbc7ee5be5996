import Foundation

/// A block of query rows for causal attention. Query i of the block (row `start + i`) sees every row of its
/// context `contextStart ..< contextStart + contextCount` and the rows `start ... start + i` of its own block.
///
/// A plain sequence is one span with no context. Prefix sharing packs prompt, chosen and rejected into one batch:
/// the prompt is a span without context, and the chosen and the rejected completion are spans whose context is
/// the prompt, so rejected tokens never see chosen ones while the prompt is computed once.
public struct AttentionSpan: Sendable, Equatable {
    public var start: Int
    public var count: Int
    public var contextStart: Int
    public var contextCount: Int

    public init(start: Int, count: Int, contextStart: Int = 0, contextCount: Int = 0) {
        self.start = start
        self.count = count
        self.contextStart = contextStart
        self.contextCount = contextCount
    }
}

/// Head layout of the fused query/key/value rows: `[q (heads·headDim) | k (kvHeads·headDim) | v (kvHeads·headDim)]`.
/// Query head h reads key/value head h / (heads / kvHeads) (grouped-query attention).
public struct AttentionShape: Sendable {
    public let heads: Int
    public let kvHeads: Int
    public let headDim: Int

    public init(heads: Int, kvHeads: Int, headDim: Int) {
        precondition(heads % kvHeads == 0, "heads must be a multiple of key/value heads")
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
    }

    public var qkvStride: Int { (heads + 2 * kvHeads) * headDim }
    public var outStride: Int { heads * headDim }
    var keyOffset: Int { heads * headDim }
    var valueOffset: Int { (heads + kvHeads) * headDim }
    func kvHead(_ head: Int) -> Int { head / (heads / kvHeads) }
    var scale: Float { 1 / Float(headDim).squareRoot() }
}

/// Causal multi-head attention forward. Probabilities are not kept: backward recomputes them from the scores
/// and each row's log-sum-exp, which costs one small product and saves `rows × keys` floats per head.
/// - Parameters:
///   - out: `(rows, heads·headDim)`, overwritten for every row covered by a span.
///   - logSumExp: `(rows, heads)`, overwritten: log Σ exp(score) of each query row and head.
///   - qkv: `(rows, qkvStride)`, queries and keys already rotated.
public func attentionForward(
    _ out: UnsafeMutablePointer<Float>, _ logSumExp: UnsafeMutablePointer<Float>,
    _ qkv: UnsafePointer<Float>, spans: [AttentionSpan], shape: AttentionShape
) {
    parallelItems(spans.count * shape.heads) { item in
        let span = spans[item / shape.heads]
        let head = item % shape.heads
        let width = span.contextCount + span.count
        let weights = UnsafeMutablePointer<Float>.allocate(capacity: span.count * width)
        let totals = UnsafeMutablePointer<Float>.allocate(capacity: span.count)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: attentionScoresScratch(depth: shape.headDim, keys: width))
        defer {
            weights.deallocate()
            totals.deallocate()
            scratch.deallocate()
        }
        attentionWeights(weights, totals: totals, logSumExp: logSumExp, qkv, span, head, shape, scratch: scratch)
        let ld = shape.qkvStride
        let values = shape.valueOffset + shape.kvHead(head) * shape.headDim
        let outHead = out + span.start * shape.outStride + head * shape.headDim
        for part in keyParts(span) {
            // The context's product writes the output; the block's own adds to it.
            attentionHeadProduct(outHead, ldo: shape.outStride, weights + part.column, lda: width, transposedA: false,
                                 qkv + part.keyRow * ld + values, ldb: ld, m: span.count, n: shape.headDim,
                                 depth: part.count, alpha: 1, accumulate: part.column > 0, causal: part.causal)
        }
        // Normalized here, headDim numbers a row, rather than the row's weights, up to a few hundred.
        for i in 0..<span.count { scale(outHead + i * shape.outStride, shape.headDim, by: 1 / totals[i]) }
    }
}

/// Backward of `attentionForward`, accumulating into `dqkv`. With P the probabilities, dP = dO·Vᵀ and
/// Dᵢ = dOᵢ·Oᵢ: dS = P ⊙ (dP − D), dQ += s·dS·K, dK += s·dSᵀ·Q, dV += Pᵀ·dO (s = 1/√headDim).
/// Work is split by key/value head and by groups of spans whose rows touch (a prompt and the completions that see
/// it), so no two threads ever add into the same rows of dK or dV, and each row's additions come in span order as
/// they would on one thread. SmolLM2's three key/value heads alone would leave one of two cores idle a third of
/// the time.
/// - Parameters:
///   - dqkv: `(rows, qkvStride)`, accumulated; the query and key parts are gradients of the rotated values.
///   - dout: `(rows, heads·headDim)`.
///   - out: `(rows, heads·headDim)`, the forward output.
///   - logSumExp: `(rows, heads)`, from the forward pass.
///   - qkv: `(rows, qkvStride)`, the forward input.
public func attentionBackward(
    _ dqkv: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
    _ logSumExp: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, spans: [AttentionSpan], shape: AttentionShape
) {
    let group = shape.heads / shape.kvHeads
    let spanGroups = touchingSpans(spans)
    parallelItems(shape.kvHeads * spanGroups.count) { item in
        let kvHead = item % shape.kvHeads
        for span in spanGroups[item / shape.kvHeads] {
            for head in kvHead * group..<(kvHead + 1) * group {
                attentionBackwardBlock(dqkv, dout, out, logSumExp, qkv, span, head, shape)
            }
        }
    }
}

/// `spans` in groups such that no two groups write the same rows (a span writes its own rows and its context's),
/// each group in the spans' order. Each span's rows are taken as one range from the lowest to the highest, which
/// can only merge more.
func touchingSpans(_ spans: [AttentionSpan]) -> [[AttentionSpan]] {
    let ranges = spans.enumerated().map { index, span in
        let low = span.contextCount > 0 ? min(span.start, span.contextStart) : span.start
        let high = span.contextCount > 0 ? max(span.start + span.count, span.contextStart + span.contextCount) : span.start + span.count
        return (span: span, index: index, low: low, high: high)
    }.sorted { ($0.low, $0.index) < ($1.low, $1.index) }
    var groups: [[(index: Int, span: AttentionSpan)]] = [], end = Int.min
    for range in ranges {
        if range.low < end, !groups.isEmpty {
            groups[groups.count - 1].append((range.index, range.span))
        } else {
            groups.append([(range.index, range.span)])
        }
        end = max(end, range.high)
    }
    return groups.map { $0.sorted { $0.index < $1.index }.map(\.span) }
}

private func attentionBackwardBlock(
    _ dqkv: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
    _ logSumExp: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, _ span: AttentionSpan, _ head: Int,
    _ shape: AttentionShape
) {
    let width = span.contextCount + span.count
    let ld = shape.qkvStride
    let hd = shape.headDim
    let probabilities = UnsafeMutablePointer<Float>.allocate(capacity: span.count * width)
    let dscores = UnsafeMutablePointer<Float>.allocate(capacity: span.count * width)
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: attentionScoresScratch(depth: hd, keys: width))
    defer {
        probabilities.deallocate()
        dscores.deallocate()
        scratch.deallocate()
    }
    attentionProbabilities(probabilities, logSumExp: logSumExp, qkv, span, head, shape, scratch: scratch)
    let kvHead = shape.kvHead(head)
    let queries = qkv + span.start * ld + head * hd
    let keyColumn = shape.keyOffset + kvHead * hd
    let valueColumn = shape.valueOffset + kvHead * hd
    let doutHead = dout + span.start * shape.outStride + head * hd
    let outHead = out + span.start * shape.outStride + head * hd
    let parts = keyParts(span)
    for part in parts {
        // dV += Pᵀ·dO and dP = dO·Vᵀ.
        attentionHeadProduct(dqkv + part.keyRow * ld + valueColumn, ldo: ld, probabilities + part.column, lda: width,
                             transposedA: true, doutHead, ldb: shape.outStride, m: part.count, n: hd, depth: span.count,
                             alpha: 1, accumulate: true, causal: part.causal)
        attentionScores(dscores + part.column, ldo: width, doutHead, lda: shape.outStride,
                        qkv + part.keyRow * ld + valueColumn, ldb: ld, m: span.count, n: part.count, depth: hd,
                        alpha: 1, causal: part.causal, scratch: scratch)
    }
    for i in 0..<span.count {
        let d = dotProduct(doutHead + i * shape.outStride, outHead + i * shape.outStride, hd)
        let p = probabilities + i * width
        let ds = dscores + i * width
        let visible = span.contextCount + i + 1
        for j in 0..<visible { ds[j] = p[j] * (ds[j] - d) }
        // Zero where the row may not look, which the causal products may have left unwritten.
        (ds + visible).update(repeating: 0, count: width - visible)
    }
    for part in parts {
        // dQ += s·dS·K and dK += s·dSᵀ·Q.
        attentionHeadProduct(dqkv + span.start * ld + head * hd, ldo: ld, dscores + part.column, lda: width,
                             transposedA: false, qkv + part.keyRow * ld + keyColumn, ldb: ld, m: span.count, n: hd,
                             depth: part.count, alpha: shape.scale, accumulate: true, causal: part.causal)
        attentionHeadProduct(dqkv + part.keyRow * ld + keyColumn, ldo: ld, dscores + part.column, lda: width,
                             transposedA: true, queries, ldb: ld, m: part.count, n: hd, depth: span.count,
                             alpha: shape.scale, accumulate: true, causal: part.causal)
    }
}

/// A span's keys in two parts: its context, which every query sees whole, and the block's own rows, causal. Each
/// part has its first key row, its count, and the column of its scores in a row of `contextCount + count`.
func keyParts(_ span: AttentionSpan) -> [(keyRow: Int, count: Int, column: Int, causal: Bool)] {
    let own = (keyRow: span.start, count: span.count, column: span.contextCount, causal: true)
    guard span.contextCount > 0 else { return [own] }
    return [(span.contextStart, span.contextCount, 0, false), own]
}

/// Fills `probabilities` `(span.count, contextCount + count)` with one head's causal softmax of the scaled scores,
/// recomputed from each row's log-sum-exp, zero where a query may not look. `scratch` is `attentionScoresScratch`
/// floats for the span's keys.
private func attentionProbabilities(
    _ probabilities: UnsafeMutablePointer<Float>, logSumExp: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>,
    _ span: AttentionSpan, _ head: Int, _ shape: AttentionShape, scratch: UnsafeMutablePointer<Float>
) {
    let width = span.contextCount + span.count
    scaledScores(probabilities, qkv, span, head, shape, scratch: scratch)
    for i in 0..<span.count {
        let row = probabilities + i * width
        let visible = span.contextCount + i + 1
        _ = exponentiateShifted(row, visible, shift: logSumExp[(span.start + i) * shape.heads + head])
        (row + visible).update(repeating: 0, count: width - visible)
    }
}

/// The forward's unnormalized softmax: `weights` `(span.count, contextCount + count)` gets e^(score − row maximum),
/// zero where a query may not look, `totals` `(span.count)` each row's sum, and `logSumExp` each row's log-sum-exp.
private func attentionWeights(
    _ weights: UnsafeMutablePointer<Float>, totals: UnsafeMutablePointer<Float>, logSumExp: UnsafeMutablePointer<Float>,
    _ qkv: UnsafePointer<Float>, _ span: AttentionSpan, _ head: Int, _ shape: AttentionShape,
    scratch: UnsafeMutablePointer<Float>
) {
    let width = span.contextCount + span.count
    scaledScores(weights, qkv, span, head, shape, scratch: scratch)
    for i in 0..<span.count {
        let row = weights + i * width
        let visible = span.contextCount + i + 1
        let maximum = rowMaximum(row, visible)
        totals[i] = exponentiateShifted(row, visible, shift: maximum)
        logSumExp[(span.start + i) * shape.heads + head] = maximum + Foundation.log(totals[i])
        (row + visible).update(repeating: 0, count: width - visible)
    }
}

/// One head's scores, scaled by 1/√headDim, into `scores` `(span.count, contextCount + count)`; entries a query
/// may not see are left as the causal products leave them.
private func scaledScores(
    _ scores: UnsafeMutablePointer<Float>, _ qkv: UnsafePointer<Float>, _ span: AttentionSpan, _ head: Int,
    _ shape: AttentionShape, scratch: UnsafeMutablePointer<Float>
) {
    let width = span.contextCount + span.count
    let ld = shape.qkvStride
    let queries = qkv + span.start * ld + head * shape.headDim
    let keyColumn = shape.keyOffset + shape.kvHead(head) * shape.headDim
    for part in keyParts(span) {
        attentionScores(scores + part.column, ldo: width, queries, lda: ld, qkv + part.keyRow * ld + keyColumn,
                        ldb: ld, m: span.count, n: part.count, depth: shape.headDim, alpha: shape.scale,
                        causal: part.causal, scratch: scratch)
    }
}
