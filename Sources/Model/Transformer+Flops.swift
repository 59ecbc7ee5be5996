extension TransformerConfig {
    /// Floating-point operations of one forward pass over `batch`, counting multiply-adds as two and only the
    /// work the batch needs: linear layers at every packed row, causal attention over the keys each query sees
    /// (the visible half, not the full square), and the LM head only at target rows.
    /// A training step (forward and backward) is three times this, by the usual 2:1 backward-to-forward count;
    /// recomputation inside backward is not credited.
    public func forwardFlops(_ batch: PackedBatch) -> Double {
        let parts = forwardParts(batch)
        return parts.linear + parts.attention + parts.lmHead
    }

    /// FLOPs of one training step over `batch`. Every weight training: 3× the forward. With LoRA adapters the base
    /// weights are frozen, so the linear layers and the LM head skip their weight gradients (2× their forward: the
    /// forward and the input gradient), attention's products still cost 3×, and each adapter adds three times its
    /// two small products, 2·rows·r·(in + out).
    public func trainingFlops(_ batch: PackedBatch, lora: LoRAAdapters?) -> Double {
        let parts = forwardParts(batch)
        guard let lora else { return 3 * (parts.linear + parts.attention + parts.lmHead) }
        let adapters = lora.entries.reduce(0.0) { $0 + 2 * Double(batch.rows * lora.rank * ($1.inDim + $1.outDim)) }
        return 2 * (parts.linear + parts.lmHead) + 3 * (parts.attention + adapters)
    }

    private func forwardParts(_ batch: PackedBatch) -> (linear: Double, attention: Double, lmHead: Double) {
        let c = Double(hiddenSize), q = Double(heads * headDim), kv = Double(kvHeads * headDim)
        let perRow = c * (q + 2 * kv) + q * c + c * 2 * Double(intermediateSize) + Double(intermediateSize) * c
        var attentionPairs = 0.0
        for span in batch.spans {
            let n = Double(span.count)
            attentionPairs += n * Double(span.contextCount) + n * (n + 1) / 2
        }
        let attention = attentionPairs * Double(heads) * Double(headDim) * 2
        let lmHead = Double(batch.targetCount) * c * Double(vocabSize)
        return (2 * Double(layers) * Double(batch.rows) * perRow, 2 * Double(layers) * attention, 2 * lmHead)
    }
}
