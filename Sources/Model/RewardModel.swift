import Determinism
import Kernels

/// A Llama with a scalar head on each sequence's last token: Hugging Face's `LlamaForSequenceClassification` with
/// `num_labels: 1`. A sequence's reward is `score.weight · h`, h the final-RMSNorm hidden state of its last token
/// (no bias), which is what a Bradley–Terry reward model trains (Ouyang et al. 2022; TRL's `RewardTrainer`).
///
/// The trunk is a `Transformer` whose layout has no LM head (its config is the tied one, since a sequence
/// classifier has no `lm_head.weight`); its forward and backward are the LM's trunk, through `hiddenStates`.
/// The score weight is a small block of its own, with its own gradient: an optimizer updates the two blocks.
///
/// Not thread-safe, like `Transformer`.
public final class RewardModel {
    public let trunk: Transformer
    /// `(hidden)`: `score.weight`, which Hugging Face stores as `[1, hidden]`.
    public let score: FloatBuffer
    public private(set) lazy var scoreGradients = FloatBuffer(count: hiddenSize)
    /// What transformers pads a batch with and looks past to find each row's last token: never EOS, since every
    /// scored sequence ends with EOS (see `RewardModel.padToken(eos:pad:)`).
    public let padTokenId: Int
    /// `(rows, hidden)` of the last `scores`, which backward needs for the score weight's gradient.
    private var states: [Float] = []

    /// A model of `config` with zero weights; `config`'s LM head, if untied, is dropped.
    public convenience init(config: TransformerConfig, padTokenId: Int) throws {
        var tied = config
        tied.tieWordEmbeddings = true
        try self.init(trunk: try Transformer(config: tied), padTokenId: padTokenId)
    }

    /// Around a trunk whose layout has no LM head.
    init(trunk: Transformer, padTokenId: Int) throws {
        precondition(trunk.config.tieWordEmbeddings, "a reward model's trunk has no lm_head.weight")
        guard (0..<trunk.config.vocabSize).contains(padTokenId) else {
            throw ModelError.invalidConfig("pad_token_id \(padTokenId) is outside the vocabulary (size \(trunk.config.vocabSize))")
        }
        self.trunk = trunk
        score = FloatBuffer(count: trunk.config.hiddenSize)
        self.padTokenId = padTokenId
    }

    /// A reward model starting from a causal LM's trunk, with the score weight drawn from Normal(0, `std`) by
    /// `seed`, as transformers initializes a new head (`initializer_range` 0.02).
    public convenience init(languageModel: Transformer, padTokenId: Int, seed: UInt64, std: Float = 0.02) throws {
        try self.init(config: languageModel.config, padTokenId: padTokenId)
        for entry in trunk.layout.tensors {
            guard let source = languageModel.layout.entry(named: entry.name) else { preconditionFailure("\(entry.name) missing") }
            (trunk.parameters.pointer + entry.offset).update(from: languageModel.parameters.pointer + source.offset, count: entry.count)
        }
        var generator = SeededGenerator(seed: seed)
        for i in 0..<hiddenSize { score[i] = std * generator.nextNormal() }
    }

    public var config: TransformerConfig { trunk.config }
    public var hiddenSize: Int { trunk.config.hiddenSize }
    public var parameterCount: Int { trunk.parameterCount + hiddenSize }

    /// Any id but EOS, for `padTokenId`: the tokenizer's pad token when it has one that is not EOS, else 0 (or 1
    /// when EOS is 0). transformers takes the rightmost token that is not the pad id, so with right padding it
    /// finds each sequence's EOS; with pad = EOS, as TRL often sets it, it would score the token before EOS.
    public static func padToken(eos: Int32?, pad: Int32?) -> Int {
        if let pad, pad != eos { return Int(pad) }
        return eos == 0 ? 1 : 0
    }

    /// The reward of each sequence whose last token is at `rows` of `batch` (`PackedBatch.appendWhole`).
    public func scores(_ batch: PackedBatch, rows: [Int32]) throws -> [Float] {
        states = try trunk.hiddenStates(batch, rows: rows)
        var rewards = [Float](repeating: 0, count: rows.count)
        states.withUnsafeBufferPointer { states in
            matmulForward(&rewards, states.baseAddress!, score.pointer, rows: rows.count, inDim: hiddenSize, outDim: 1)
        }
        return rewards
    }

    /// Accumulates into `scoreGradients` and the trunk's `gradients` the gradient of a loss whose derivative with
    /// respect to each reward of the last `scores` is `dScores`.
    public func backward(_ dScores: [Float]) {
        precondition(dScores.count * hiddenSize == states.count, "one gradient per reward of the last scores")
        var dStates = [Float](repeating: 0, count: states.count)
        states.withUnsafeBufferPointer { states in
            matmulBackward(&dStates, scoreGradients.pointer, dScores, states.baseAddress!, score.pointer,
                           rows: dScores.count, inDim: hiddenSize, outDim: 1)
        }
        trunk.backwardHiddenStates(dStates)
    }

    public func zeroGradients() {
        trunk.zeroGradients()
        scoreGradients.zero(hiddenSize)
    }
}
