import Determinism
import Kernels

extension Transformer {
    /// Continues every prompt with up to `settings.maxNewTokens` tokens, all sequences decoded together, and
    /// returns the new tokens of each, in prompt order: the batched counterpart of `generate(prompt:settings:stopTokens:)`.
    /// A sequence stops after its first token in `stopTokens` (included) and leaves the batch, so the others'
    /// steps get cheaper; the rest go on until they stop or reach `maxNewTokens`.
    ///
    /// Sequence i draws its tokens from its own `SeededGenerator`, seeded with `settings.seed(forSequence: i)`
    /// (sequence 0 with `settings.seed` itself), so its tokens depend on its prompt, the settings and i, not on
    /// the other prompts in the batch or on when they stop. Each sequence's logits are the single-sequence
    /// session's bit for bit (see `BatchGenerationSession`), so greedy settings (temperature 0) give every prompt
    /// the tokens `generate(prompt:)` gives it, and sampled ones give sequence i exactly what `generate(prompt:)`
    /// gives with `settings.seed(forSequence: i)` as the seed.
    ///
    /// ```swift
    /// let settings = SamplingSettings(temperature: 0.7, maxNewTokens: 128, seed: step)
    /// let completions = try model.generate(prompts: prompts, settings: settings, stopTokens: [endOfText])
    /// ```
    /// - Complexity: per step, one pass over the weights for all active sequences (see `BatchGenerationSession`),
    ///   where `generate(prompt:)` makes one pass per sequence.
    /// - Throws: `GenerationError` for invalid settings, an empty prompt or an id outside the vocabulary, or a
    ///   longest prompt plus `maxNewTokens` beyond `max_position_embeddings`.
    public func generate(prompts: [[Int32]], settings: SamplingSettings, stopTokens: Set<Int32>) throws -> [[Int32]] {
        try generate(prompts: prompts, seeds: prompts.indices.map { settings.seed(forSequence: $0) }, settings: settings,
                     stopTokens: stopTokens)
    }

    /// As `generate(prompts:settings:stopTokens:)`, with sequence i's generator seeded by `seeds[i]` and
    /// `settings.seed` ignored: to continue prompts in several batches and still draw what one batch would draw
    /// (`seeds: indices.map { settings.seed(forSequence: $0) }`), or to reproduce per-prompt seeds chosen by the
    /// caller. A single-prompt call draws what `generate(prompt:)` draws with the same seed.
    public func generate(prompts: [[Int32]], seeds: [UInt64], settings: SamplingSettings,
                         stopTokens: Set<Int32>) throws -> [[Int32]] {
        try settings.validate()
        precondition(seeds.count == prompts.count, "one seed per prompt")
        guard let longest = prompts.map(\.count).max() else { return [] }
        let positions = longest + settings.maxNewTokens
        guard positions <= config.maxPositions else {
            throw GenerationError.contextTooLong(positions: positions, limit: config.maxPositions)
        }
        let session = try BatchGenerationSession(model: self, sequences: prompts.count, capacity: max(1, positions))
        try session.prefill(prompts)
        var generators = seeds.map { SeededGenerator(seed: $0) }
        var generated = [[Int32]](repeating: [], count: prompts.count)
        guard settings.maxNewTokens > 0 else { return generated }
        let drawsPerChunk = max(1, (1 << 16) / config.vocabSize)
        while !session.active.isEmpty {
            let rows = session.active
            var drawn = [Int32](repeating: 0, count: rows.count)
            // A draw reads only its sequence's logits and generator, so draws split over the cores: each is
            // O(vocab) scalar work, a few percent of a step for a 49k vocabulary when done one after another.
            generators.withUnsafeMutableBufferPointer { generators in
                drawn.withUnsafeMutableBufferPointer { drawn in
                    parallelChunks(rows.count, minimumPerChunk: drawsPerChunk) { range in
                        for k in range { drawn[k] = settings.sample(session.logits(rows[k]), using: &generators[rows[k]]) }
                    }
                }
            }
            var next: [Int32] = []
            for (sequence, token) in zip(rows, drawn) {
                generated[sequence].append(token)
                if stopTokens.contains(token) || generated[sequence].count == settings.maxNewTokens {
                    session.finish(sequence)
                } else {
                    next.append(token)
                }
            }
            try session.decode(next)
        }
        return generated
    }

    /// As `generate(prompts:seeds:settings:stopTokens:)` over at most `batchSize` sequences at a time, which bounds
    /// the key/value caches' memory; each sequence's draws depend only on its own seed, so the batches' size
    /// changes nothing but the speed.
    public func generate(prompts: [[Int32]], seeds: [UInt64], settings: SamplingSettings, stopTokens: Set<Int32>,
                         batchSize: Int) throws -> [[Int32]] {
        precondition(batchSize >= 1, "a batch holds at least one sequence")
        return try stride(from: 0, to: prompts.count, by: batchSize).flatMap { start in
            let end = min(prompts.count, start + batchSize)
            return try generate(prompts: Array(prompts[start..<end]), seeds: Array(seeds[start..<end]), settings: settings,
                                stopTokens: stopTokens)
        }
    }
}

extension SamplingSettings {
    /// The seed of sequence `index`'s generator in a batched `generate(prompts:)`:
    /// `seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15)`, the index times the 64-bit golden ratio (SplitMix64's
    /// increment) XORed into the seed.
    ///
    /// Sequence 0 gets `seed` itself, so a batch of one draws what `generate(prompt:)` draws. The others' seeds
    /// differ from it in their high bits, unlike `seed + index`: with that, the common pattern of one seed per
    /// step (`seed: step`) would hand sequence 1 of step k the generator of sequence 0 of step k + 1, and two
    /// completions of the same prompt in those batches would be the same draw.
    public func seed(forSequence index: Int) -> UInt64 {
        precondition(index >= 0, "sequence indices start at 0")
        return seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
    }
}
