import Model

/// Sequences the trainer samples together (samples, Online DPO, RSO, SPPO): one pass over the weights serves them
/// all, and 32 keeps the key/value caches of even a SmolLM2-sized model with long prompts near a few hundred MB.
let generationBatch = 32

extension Transformer {
    /// The model to sample from: itself, or, with LoRA adapters attached, a copy with them merged into its weights,
    /// since the generation sessions run the base weights only. A copy per call keeps the policy's own weights
    /// (and the adapters training updates) untouched.
    func samplingModel() throws -> Transformer {
        guard let adapters else { return self }
        let merged = try copy()
        adapters.merge(into: merged)
        return merged
    }
}
