/// Where each weight lives in the one contiguous parameter block. Gradients and optimizer moments use the same
/// layout, so an optimizer step is one loop and a checkpoint is one write.
///
/// Layer weights are stored fused where one product can do the work of several: `q_proj`, `k_proj` and `v_proj`
/// are consecutive rows of one `[q + k + v, hidden]` matrix, `gate_proj` and `up_proj` of one
/// `[2·intermediate, hidden]` matrix. Each Hugging Face tensor is still a contiguous range of the block, so
/// `tensors` maps every Hugging Face name to its range and shape.
public struct ParameterLayout: Sendable {
    /// A tensor's place in the block: `count` floats from `offset`, row-major with `shape`.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let offset: Int
        public let shape: [Int]
        public var count: Int { shape.reduce(1, *) }
        /// RMSNorm gains are not weight-decayed (as in Hugging Face's Trainer, which exempts norm weights).
        public var isNorm: Bool { name.hasSuffix("norm.weight") }
    }

    /// Offsets of one decoder layer's weights.
    public struct Layer: Sendable {
        public let attentionNorm: Int
        public let qkv: Int
        public let output: Int
        public let mlpNorm: Int
        public let gateUp: Int
        public let down: Int
    }

    public let config: TransformerConfig
    public let embedding: Int
    public let layers: [Layer]
    public let finalNorm: Int
    /// The LM head's offset: the embedding's own when the two are tied.
    public let lmHead: Int
    public let count: Int
    /// Every Hugging Face tensor in the block, in checkpoint order (a tied model has no `lm_head.weight`).
    public let tensors: [Entry]

    public init(_ config: TransformerConfig) {
        self.config = config
        let c = config.hiddenSize
        let qDim = config.heads * config.headDim
        let kvDim = config.kvHeads * config.headDim
        let inter = config.intermediateSize
        var entries: [Entry] = []
        var cursor = 0
        func place(_ name: String, _ shape: [Int]) -> Int {
            let entry = Entry(name: name, offset: cursor, shape: shape)
            entries.append(entry)
            cursor += entry.count
            return entry.offset
        }
        embedding = place("model.embed_tokens.weight", [config.vocabSize, c])
        var layers: [Layer] = []
        for l in 0..<config.layers {
            let prefix = "model.layers.\(l)."
            let attentionNorm = place(prefix + "input_layernorm.weight", [c])
            let qkv = place(prefix + "self_attn.q_proj.weight", [qDim, c])
            _ = place(prefix + "self_attn.k_proj.weight", [kvDim, c])
            _ = place(prefix + "self_attn.v_proj.weight", [kvDim, c])
            let output = place(prefix + "self_attn.o_proj.weight", [c, qDim])
            let mlpNorm = place(prefix + "post_attention_layernorm.weight", [c])
            let gateUp = place(prefix + "mlp.gate_proj.weight", [inter, c])
            _ = place(prefix + "mlp.up_proj.weight", [inter, c])
            let down = place(prefix + "mlp.down_proj.weight", [c, inter])
            layers.append(Layer(
                attentionNorm: attentionNorm, qkv: qkv, output: output, mlpNorm: mlpNorm, gateUp: gateUp, down: down))
        }
        self.layers = layers
        finalNorm = place("model.norm.weight", [c])
        lmHead = config.tieWordEmbeddings ? embedding : place("lm_head.weight", [config.vocabSize, c])
        count = cursor
        tensors = entries
    }

    public func entry(named name: String) -> Entry? { tensors.first { $0.name == name } }
}
