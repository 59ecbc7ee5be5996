extension Transformer {
    /// Continues `prompt` with up to `settings.maxNewTokens` tokens and returns only the new ones. Generation stops
    /// after the first token in `stopTokens`, which is included.
    ///
    /// It is `generate(prompts:seeds:settings:stopTokens:)` with one prompt and `settings.seed`: the prompt is fed in
    /// one pass, then each new token in one decode step over the key/value cache (see `BatchGenerationSession` for
    /// the cost per token), every token picked by `SamplingSettings.sample` with one `SeededGenerator` seeded by
    /// `settings.seed`, so the same settings reproduce the same tokens, and a batch gives the prompt the same
    /// tokens. The model's own activations are left untouched: a pending `backward` still sees its `forward`.
    ///
    /// ```swift
    /// let settings = SamplingSettings(temperature: 0.7, topP: 0.9, maxNewTokens: 128, seed: 1)
    /// let completion = try model.generate(prompt: promptIds, settings: settings, stopTokens: [endOfText])
    /// ```
    /// - Throws: `GenerationError` for invalid settings, an empty prompt or an id outside the vocabulary, or a prompt
    ///   plus `maxNewTokens` longer than `max_position_embeddings`.
    public func generate(prompt: [Int32], settings: SamplingSettings, stopTokens: Set<Int32>) throws -> [Int32] {
        try generate(prompts: [prompt], seeds: [settings.seed], settings: settings, stopTokens: stopTokens)[0]
    }

    /// `(vocab)` logits of the token after `tokens`, from one pass over them without computing any other position's
    /// logits: what to compare with another implementation's last-position logits.
    public func nextTokenLogits(_ tokens: [Int32]) throws -> [Float] {
        let session = try BatchGenerationSession(model: self, sequences: 1, capacity: max(1, tokens.count))
        try session.prefill([tokens])
        return Array(session.logits(0))
    }
}

public enum GenerationError: Error, CustomStringConvertible, Equatable {
    case invalidSettings(String)
    case invalidTokens(String)
    case contextTooLong(positions: Int, limit: Int)
    case cacheFull(capacity: Int)

    public var description: String {
        switch self {
        case .invalidSettings(let message): "invalid sampling settings: \(message)"
        case .invalidTokens(let message): "cannot generate: \(message)"
        case .contextTooLong(let positions, let limit):
            "generation needs \(positions) positions (prompt plus max new tokens), beyond max_position_embeddings "
                + "\(limit): shorten the prompt or lower maxNewTokens"
        case .cacheFull(let capacity): "the key/value cache is full (\(capacity) positions); create a larger session"
        }
    }
}
