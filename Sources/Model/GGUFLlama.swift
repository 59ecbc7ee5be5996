import Foundation

/// Llama-architecture GGUF files as our `Transformer`: llama.cpp's tensor names and `llama.*` metadata mapped to
/// Hugging Face's, and the converter's permutation of query and key rows undone.
///
/// llama.cpp's `convert_hf_to_gguf.py` reorders the rows of `q_proj` and `k_proj` within each head for its
/// interleaved ("GPT-J") rotary convention: `w.reshape(heads, 2, d/2, in).swapaxes(1, 2)` with d the head
/// dimension (`kv_heads` heads for K). Hugging Face rotates halves, so loading applies the inverse,
/// `reshape(heads, d/2, 2, in).swapaxes(1, 2)`, exactly as transformers' own GGUF loader does
/// (`LlamaTensorProcessor._reverse_permute_weights`).
///
/// ```swift
/// let model = try Transformer.load(gguf: URL(fileURLWithPath: "SmolLM2-135M-Instruct.Q4_1.gguf"))
/// try model.save(directory: output)   // config.json + model.safetensors, as transformers writes them
/// ```
public enum GGUFLlama {
    /// Per-layer tensors: llama.cpp's suffix after `blk.N.` and Hugging Face's after `model.layers.N.`.
    static let layerNames: [(gguf: String, hf: String)] = [
        ("attn_norm.weight", "input_layernorm.weight"),
        ("attn_q.weight", "self_attn.q_proj.weight"),
        ("attn_k.weight", "self_attn.k_proj.weight"),
        ("attn_v.weight", "self_attn.v_proj.weight"),
        ("attn_output.weight", "self_attn.o_proj.weight"),
        ("ffn_norm.weight", "post_attention_layernorm.weight"),
        ("ffn_gate.weight", "mlp.gate_proj.weight"),
        ("ffn_up.weight", "mlp.up_proj.weight"),
        ("ffn_down.weight", "mlp.down_proj.weight"),
    ]
    static let globalNames: [(gguf: String, hf: String)] = [
        ("token_embd.weight", "model.embed_tokens.weight"),
        ("output_norm.weight", "model.norm.weight"),
        ("output.weight", "lm_head.weight"),
    ]

    /// The Hugging Face name of a llama.cpp tensor (`blk.3.attn_q.weight` → `model.layers.3.self_attn.q_proj.weight`),
    /// or nil for a name a Llama model here does not have.
    public static func huggingFaceName(_ name: String) -> String? {
        if let global = globalNames.first(where: { $0.gguf == name }) { return global.hf }
        let parts = name.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "blk", let layer = Int(parts[1]), layer >= 0, String(layer) == parts[1],
              let entry = layerNames.first(where: { $0.gguf == parts[2] })
        else { return nil }
        return "model.layers.\(layer).\(entry.hf)"
    }

    /// The llama.cpp name of a Hugging Face tensor: the inverse of `huggingFaceName`.
    public static func ggufName(_ name: String) -> String? {
        if let global = globalNames.first(where: { $0.hf == name }) { return global.gguf }
        let prefix = "model.layers."
        guard name.hasPrefix(prefix) else { return nil }
        let parts = name.dropFirst(prefix.count).split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let layer = Int(parts[0]), let entry = layerNames.first(where: { $0.hf == parts[1] })
        else { return nil }
        return "blk.\(layer).\(entry.gguf)"
    }

    /// Puts the rows of a llama.cpp-permuted `[heads·headDim, columns]` Q or K matrix back in Hugging Face order:
    /// Hugging Face row `h·d + j·d/2 + i` is stored at row `h·d + 2i + j` (i < d/2, j ∈ {0, 1}).
    public static func unpermuteRows(
        _ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, heads: Int, headDim: Int, columns: Int
    ) {
        let half = headDim / 2
        for h in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 {
                    (destination + (h * headDim + j * half + i) * columns)
                        .update(from: source + (h * headDim + 2 * i + j) * columns, count: columns)
                }
            }
        }
    }
}

extension TransformerConfig {
    /// The configuration a Llama GGUF file describes (`general.architecture` "llama" and its `llama.*` keys).
    ///
    /// `vocab_size` comes from `llama.vocab_size`, else the embedding's rows; the model is tied when the file has
    /// no `output.weight`; BOS and EOS from `tokenizer.ggml.*_token_id`. Floats stored as FLOAT32 (`1e-5` is
    /// 9.99999974e-06 there) are read back as the shortest decimal that rounds to the same Float, as the original
    /// config.json had them.
    /// - Throws: `GGUFError.unsupportedModel` for another architecture, partial rotary dimensions, RoPE scaling,
    ///   mixture-of-experts, or per-layer head counts; `GGUFError.malformed` for a missing key.
    public init(gguf file: GGUFFile) throws {
        func unsupported(_ problem: String) -> GGUFError { .unsupportedModel(path: file.path, problem) }
        let architecture = file.metadata["general.architecture"]?.string
        guard architecture == "llama" else {
            throw unsupported("general.architecture is \(architecture.map { "'\($0)'" } ?? "missing"); only 'llama' is implemented")
        }
        func value(_ key: String) -> GGUFValue? { file.metadata["llama." + key] }
        func int(_ key: String) throws -> Int? {
            guard let value = value(key) else { return nil }
            guard let int = value.int, int >= 0 else {
                throw unsupported("llama.\(key) is \(value.type) \(value) (expected one non-negative integer)")
            }
            return int
        }
        func required(_ key: String) throws -> Int {
            guard let int = try int(key) else {
                throw GGUFError.metadata(path: file.path, key: "llama." + key, problem: "is missing")
            }
            return int
        }
        func real(_ key: String) throws -> Double? {
            switch value(key) {
            case nil: return nil
            case .float32(let v)?: return Double("\(v)") ?? Double(v)
            case let other?:
                guard let v = other.double else { throw unsupported("llama.\(key) is \(other.type) \(other), not a number") }
                return v
            }
        }
        if let experts = try int("expert_count"), experts > 0 { throw unsupported("a mixture of \(experts) experts") }
        if let type = value("rope.scaling.type")?.string, type != "none" {
            throw unsupported("RoPE scaling '\(type)' (only the default rotary embedding)")
        }
        if let factor = try real("rope.scaling.factor"), factor != 0 && factor != 1 {
            throw unsupported("RoPE scaling factor \(factor)")
        }
        if file.tensor(named: "rope_freqs.weight") != nil { throw unsupported("per-frequency RoPE factors (rope_freqs.weight)") }
        let hidden = try required("embedding_length")
        let heads = try required("attention.head_count")
        let kvHeads = try int("attention.head_count_kv") ?? heads
        guard heads > 0 else { throw unsupported("llama.attention.head_count is 0") }
        let headDim = try int("attention.key_length") ?? hidden / heads
        if let valueLength = try int("attention.value_length"), valueLength != headDim {
            throw unsupported("value heads of \(valueLength) dimensions but key heads of \(headDim)")
        }
        if let rotary = try int("rope.dimension_count"), rotary != headDim {
            throw unsupported("rotary embeddings on \(rotary) of \(headDim) head dimensions (partial RoPE)")
        }
        guard let embedding = file.tensor(named: "token_embd.weight") else {
            throw GGUFError.missingTensor("token_embd.weight", path: file.path)
        }
        let vocab = try int("vocab_size") ?? embedding.shape[0]
        func tokenId(_ key: String) -> Int? { file.metadata["tokenizer.ggml.\(key)"]?.int }
        self.init(
            vocabSize: vocab, hiddenSize: hidden, intermediateSize: try required("feed_forward_length"),
            layers: try required("block_count"), heads: heads, kvHeads: kvHeads, headDim: headDim,
            rmsNormEps: try real("attention.layer_norm_rms_epsilon") ?? 1e-5, ropeTheta: try real("rope.freq_base") ?? 10_000,
            tieWordEmbeddings: file.tensor(named: "output.weight") == nil,
            maxPositions: try int("context_length") ?? 2048,
            bosTokenId: tokenId("bos_token_id"), eosTokenId: tokenId("eos_token_id"))
        do {
            try validate()
        } catch let error as ModelError {
            throw unsupported(error.description)
        }
    }
}

extension Transformer {
    /// Loads a Llama GGUF file: every weight dequantized to Float (see `GGMLType.dequantizable`), Q and K rows
    /// un-permuted to Hugging Face's rotary convention.
    public static func load(gguf url: URL) throws -> Transformer {
        try load(gguf: GGUFFile(contentsOf: url))
    }

    /// Builds the model a parsed GGUF file describes. Every tensor of the file must be one the model has, with the
    /// shape the metadata implies; every weight of the model must be in the file (`output.weight` only when untied).
    public static func load(gguf file: GGUFFile) throws -> Transformer {
        let config = try TransformerConfig(gguf: file)
        let layout = ParameterLayout(config)
        let entries = Dictionary(uniqueKeysWithValues: layout.tensors.map { ($0.name, $0) })
        for tensor in file.tensors {
            guard let name = GGUFLlama.huggingFaceName(tensor.name), entries[name] != nil else {
                throw GGUFError.unsupportedModel(path: file.path, "tensor '\(tensor.name)' has no counterpart in a Llama model "
                    + "of \(config.layers) layers here")
            }
        }
        // Every tensor is matched against the file before the model is allocated (see `load(directory:)`).
        var names: [(entry: ParameterLayout.Entry, name: String)] = []
        for entry in layout.tensors {
            guard let name = GGUFLlama.ggufName(entry.name), let tensor = file.tensor(named: name) else {
                throw GGUFError.missingTensor(GGUFLlama.ggufName(entry.name) ?? entry.name, path: file.path)
            }
            guard tensor.shape == entry.shape else {
                throw ModelError.inFile(file.path, .shapeMismatch(name: "\(tensor.name) (\(entry.name))", expected: entry.shape, found: tensor.shape))
            }
            names.append((entry, name))
        }
        let model = try Transformer(config: config)
        for (entry, name) in names {
            let destination = model.parameters.pointer + entry.offset
            let heads = name.hasSuffix("attn_q.weight") ? config.heads : name.hasSuffix("attn_k.weight") ? config.kvHeads : 0
            if heads == 0 {
                try file.read(name, into: destination)
            } else {
                var permuted = [Float](repeating: 0, count: entry.count)
                try permuted.withUnsafeMutableBufferPointer { buffer in
                    try file.read(name, into: buffer.baseAddress!)
                    GGUFLlama.unpermuteRows(destination, buffer.baseAddress!, heads: heads, headDim: config.headDim,
                                            columns: config.hiddenSize)
                }
            }
        }
        return model
    }
}
