extension TransformerConfig {
    /// Floating-point operations of one forward pass over `batch`, counting multiply-adds as two and only the
    /// work the batch needs: linear layers at every packed row, causal attention over the keys each query sees
    /// (the visible half, not the full square), and the LM head only at target rows.
    /// A training step (forward and backward) is three times this, by the usual 2:1 backward-to-forward count;
    /// recomputation inside backward is not credited.
    public func forwardFlops(_ batch: PackedBatch) -> Double {
        let c = Double(hiddenSize), q = Double(heads * headDim), kv = Double(kvHeads * headDim)
        let perRow = c * (q + 2 * kv) + q * c + c * 2 * Double(intermediateSize) + Double(intermediateSize) * c
        var attentionPairs = 0.0
        for span in batch.spans {
            let n = Double(span.count)
            attentionPairs += n * Double(span.contextCount) + n * (n + 1) / 2
        }
        let attention = attentionPairs * Double(heads) * Double(headDim) * 2
        let lmHead = Double(batch.targetCount) * c * Double(vocabSize)
        return 2 * (Double(layers) * (Double(batch.rows) * perRow + attention) + lmHead)
    }
}
