import Kernels

/// Token sequences packed end to end without padding, with the attention structure and the list of tokens whose
/// log-probability is wanted ("targets"). Each target is read from one row: the row of the token before it.
///
/// The last token of a sequence is never the input of a prediction, so it is not packed: it only appears as a
/// target. Prefix sharing (`appendShared`) packs a prompt once with several completions that each see the prompt
/// but not one another, which is how chosen and rejected share their prompt's computation.
public struct PackedBatch: Sendable, Equatable {
    /// `(rows)` token ids fed to the model.
    public private(set) var tokens: [Int32] = []
    /// `(rows)` rotary positions.
    public private(set) var positions: [Int32] = []
    public private(set) var spans: [AttentionSpan] = []
    /// `(targets)` the row whose output predicts each target.
    public private(set) var targetRows: [Int32] = []
    /// `(targets)` the predicted token ids.
    public private(set) var targetTokens: [Int32] = []

    public init() {}

    public var rows: Int { tokens.count }
    public var targetCount: Int { targetTokens.count }

    /// Appends one sequence. `targetMask[t]` marks token t as a target (predicted from token t − 1); `targetMask[0]`
    /// is ignored since nothing precedes the first token. Returns the indices of the new targets.
    @discardableResult
    public mutating func appendSequence(_ sequence: [Int32], targetMask: [Bool]) -> Range<Int> {
        precondition(sequence.count == targetMask.count, "one mask entry per token")
        let first = targetCount
        guard sequence.count > 1 else { return first..<first }
        let start = rows
        let inputs = sequence.count - 1
        tokens += sequence[..<inputs]
        positions += (0..<inputs).map(Int32.init)
        spans.append(AttentionSpan(start: start, count: inputs))
        for t in 1..<sequence.count where targetMask[t] {
            targetRows.append(Int32(start + t - 1))
            targetTokens.append(sequence[t])
        }
        return first..<targetCount
    }

    /// Appends a completion that has no prompt: nothing predicts its first token, so that token is context, not a
    /// target; every later token is one. Returns the indices of its targets.
    @discardableResult
    public mutating func appendUnprompted(_ completion: [Int32]) -> Range<Int> {
        appendSequence(completion, targetMask: [false] + Array(repeating: true, count: max(0, completion.count - 1)))
    }

    /// Appends a prompt shared by several completions; every completion token is a target. Completion j sees the
    /// prompt and its own earlier tokens only. Returns, per completion, the indices of its targets.
    /// The prompt must not be empty: its last row predicts each completion's first token.
    @discardableResult
    public mutating func appendShared(prompt: [Int32], completions: [[Int32]]) -> [Range<Int>] {
        appendShared(prompt: prompt, completions: completions, promptTargets: false).completions
    }

    /// As `appendShared(prompt:completions:)`; with `promptTargets`, the prompt's tokens after its first are
    /// targets too (predicted by the rows before them, once for all completions), for a likelihood over the whole
    /// sequence. Returns the prompt's target indices (empty without `promptTargets`) and each completion's.
    public mutating func appendShared(prompt: [Int32], completions: [[Int32]], promptTargets: Bool)
        -> (prompt: Range<Int>, completions: [Range<Int>])
    {
        precondition(!prompt.isEmpty, "a shared prompt needs at least one token")
        let promptStart = rows
        tokens += prompt
        positions += (0..<prompt.count).map(Int32.init)
        spans.append(AttentionSpan(start: promptStart, count: prompt.count))
        let promptFirst = targetCount
        if promptTargets {
            for t in 1..<prompt.count {
                targetRows.append(Int32(promptStart + t - 1))
                targetTokens.append(prompt[t])
            }
        }
        let promptRange = promptFirst..<targetCount
        var ranges: [Range<Int>] = []
        for completion in completions {
            let first = targetCount
            let start = rows
            let inputs = max(0, completion.count - 1)
            if inputs > 0 {
                tokens += completion[..<inputs]
                positions += (0..<inputs).map { Int32(prompt.count + $0) }
                spans.append(AttentionSpan(
                    start: start, count: inputs, contextStart: promptStart, contextCount: prompt.count))
            }
            for (k, token) in completion.enumerated() {
                targetRows.append(Int32(k == 0 ? promptStart + prompt.count - 1 : start + k - 1))
                targetTokens.append(token)
            }
            ranges.append(first..<targetCount)
        }
        return (promptRange, ranges)
    }

    /// Appends a prompt shared by several completions with *every* token packed as a row, including each
    /// completion's last, for a head that reads hidden states instead of predicting tokens (a reward model scores
    /// a sequence at its last token). Completion j sees the prompt and its own earlier tokens only; no targets are
    /// added. Returns, per completion, the row of its last token (the prompt's last row for an empty completion).
    /// With an empty prompt, each completion is a sequence of its own and must not be empty.
    public mutating func appendWhole(prompt: [Int32], completions: [[Int32]]) -> [Int32] {
        let promptStart = rows
        if !prompt.isEmpty {
            tokens += prompt
            positions += (0..<prompt.count).map(Int32.init)
            spans.append(AttentionSpan(start: promptStart, count: prompt.count))
        }
        return completions.map { completion in
            precondition(!prompt.isEmpty || !completion.isEmpty, "a sequence needs at least one token")
            guard !completion.isEmpty else { return Int32(promptStart + prompt.count - 1) }
            let start = rows
            tokens += completion
            positions += (0..<completion.count).map { Int32(prompt.count + $0) }
            spans.append(AttentionSpan(start: start, count: completion.count, contextStart: promptStart, contextCount: prompt.count))
            return Int32(rows - 1)
        }
    }

    /// Checks ids and positions against a model's vocabulary and context length.
    public func validate(for config: TransformerConfig) throws {
        if let bad = (tokens + targetTokens).first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw ModelError.invalidBatch("token id \(bad) is outside the vocabulary (size \(config.vocabSize))")
        }
        if let longest = positions.max(), Int(longest) >= config.maxPositions {
            throw ModelError.invalidBatch(
                "a sequence reaches position \(longest), beyond max_position_embeddings \(config.maxPositions)")
        }
    }
}
