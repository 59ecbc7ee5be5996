import Foundation

/// The shape of a Llama-family causal LM, read from and written to a Hugging Face `config.json`
/// (`LlamaForCausalLM`: RMSNorm, rotary embeddings, SwiGLU MLP, optional grouped-query attention, no biases).
public struct TransformerConfig: Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var rmsNormEps: Double
    public var ropeTheta: Double
    public var tieWordEmbeddings: Bool
    public var maxPositions: Int
    public var bosTokenId: Int?
    public var eosTokenId: Int?

    public init(
        vocabSize: Int, hiddenSize: Int, intermediateSize: Int, layers: Int, heads: Int, kvHeads: Int? = nil,
        headDim: Int? = nil, rmsNormEps: Double = 1e-5, ropeTheta: Double = 10_000, tieWordEmbeddings: Bool = false,
        maxPositions: Int = 2048, bosTokenId: Int? = nil, eosTokenId: Int? = nil
    ) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.headDim = headDim ?? hiddenSize / heads
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.tieWordEmbeddings = tieWordEmbeddings
        self.maxPositions = maxPositions
        self.bosTokenId = bosTokenId
        self.eosTokenId = eosTokenId
    }

    /// Checks the invariants the kernels rely on.
    public func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw ModelError.invalidConfig(message) }
        }
        try require(vocabSize > 0 && hiddenSize > 0 && intermediateSize > 0 && layers > 0, "sizes must be positive")
        try require(heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
                    "num_attention_heads (\(heads)) must be a positive multiple of num_key_value_heads (\(kvHeads))")
        try require(headDim > 0 && headDim % 2 == 0, "head_dim (\(headDim)) must be positive and even")
        try require(maxPositions > 0, "max_position_embeddings must be positive")
        try require(rmsNormEps > 0 && rmsNormEps.isFinite, "rms_norm_eps (\(rmsNormEps)) must be positive and finite")
        try require(ropeTheta > 0 && ropeTheta.isFinite, "rope_theta (\(ropeTheta)) must be positive and finite")
        let bound = 1 << 24
        for (key, value) in [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
                             ("num_hidden_layers", layers), ("num_attention_heads", heads), ("head_dim", headDim),
                             ("max_position_embeddings", maxPositions)] {
            try require(value <= bound, "\(key) \(value) is beyond any model this trainer can hold (at most \(bound))")
        }
        let perLayer = [hiddenSize * headDim * (2 * heads + 2 * kvHeads), 3 * hiddenSize * intermediateSize, 2 * hiddenSize]
        let elements = perLayer.reduce(0, +) * layers + 2 * vocabSize * hiddenSize + maxPositions * headDim
        try require(elements <= 1 << 34, "the config implies \(elements) parameters and tables, beyond 2^34 floats")
    }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case unsupported(String)
    case missingTensor(String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case invalidBatch(String)
    case safetensors(path: String, problem: String)
    /// Another case, found in the file or directory `path`.
    indirect case inFile(String, ModelError)

    public var description: String {
        switch self {
        case .invalidConfig(let message): "invalid model config: \(message)"
        case .unsupported(let message): "unsupported model: \(message)"
        case .missingTensor(let name): "the checkpoint has no tensor '\(name)'"
        case .shapeMismatch(let name, let expected, let found):
            "tensor '\(name)' has shape \(found), the config implies \(expected)"
        case .invalidBatch(let message): "invalid batch: \(message)"
        case .safetensors(let path, let problem): "\(path): not a valid safetensors file: \(problem)"
        case .inFile(let path, let error): "\(path): \(error)"
        }
    }
}
