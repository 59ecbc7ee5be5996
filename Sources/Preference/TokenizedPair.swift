import Tokenizer

/// Text to token ids. `BPETokenizer` is the real one; `ByteEncoder` is the stand-in statistics fall back to.
public protocol TokenEncoder {
    func encode(_ text: String) -> [Int32]
    /// Appended to plain-text completions so the model learns to stop; nil when the vocabulary has none.
    var eosTokenId: Int32? { get }
}

extension BPETokenizer: TokenEncoder {}

/// A preference pair as the trainer consumes it.
///
/// Prompt and completions are tokenized separately and concatenated, as TRL does, so `chosen[0]` and
/// `rejected[0]` are exactly the tokens the model must predict after `prompt`: tokenizing the joined text could
/// merge characters across the join into one token and leave the boundary inside it.
public struct TokenizedPair: Sendable, Hashable {
    public var prompt: [Int32]
    /// Ends with EOS (plain text) or the chat template's end-of-turn tokens, unless truncated.
    public var chosen: [Int32]
    public var rejected: [Int32]
    public var source: SourceLocation

    public init(prompt: [Int32], chosen: [Int32], rejected: [Int32], source: SourceLocation) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.source = source
    }
}

extension TokenizedPair {
    /// The longer of the two packed sequences, prompt included.
    public var tokenCount: Int { prompt.count + max(chosen.count, rejected.count) }
}

/// An unpaired (KTO) example as the trainer consumes it; tokenized like `TokenizedPair`.
public struct TokenizedExample: Sendable, Hashable {
    public var prompt: [Int32]
    public var completion: [Int32]
    public var isDesirable: Bool
    public var source: SourceLocation

    public init(prompt: [Int32], completion: [Int32], isDesirable: Bool, source: SourceLocation) {
        self.prompt = prompt
        self.completion = completion
        self.isDesirable = isDesirable
        self.source = source
    }
}
