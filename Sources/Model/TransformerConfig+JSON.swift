import Foundation

extension TransformerConfig {
    /// Reads a Hugging Face `config.json`. RoPE's base comes from `rope_theta` or, as transformers ≥ 5 writes it,
    /// `rope_parameters.rope_theta`. Features our kernels don't implement are errors, never silently ignored.
    public init(huggingFaceJSON data: Data) throws {
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.invalidConfig("config.json is not a JSON object")
        }
        func int(_ key: String) throws -> Int {
            guard let value = json[key] as? NSNumber else { throw ModelError.invalidConfig("missing integer '\(key)'") }
            return value.intValue
        }
        func optionalInt(_ key: String) -> Int? { (json[key] as? NSNumber)?.intValue }
        if let modelType = json["model_type"] as? String, modelType != "llama" {
            throw ModelError.unsupported("model_type '\(modelType)' (only 'llama' is implemented)")
        }
        if let activation = json["hidden_act"] as? String, activation != "silu" {
            throw ModelError.unsupported("hidden_act '\(activation)' (only 'silu')")
        }
        for bias in ["attention_bias", "mlp_bias"] where (json[bias] as? Bool) == true {
            throw ModelError.unsupported("\(bias) is true (Llama layers here have no biases)")
        }
        let ropeParameters = (json["rope_parameters"] as? [String: Any]) ?? (json["rope_scaling"] as? [String: Any])
        if let type = (ropeParameters?["rope_type"] ?? ropeParameters?["type"]) as? String, type != "default" {
            throw ModelError.unsupported("rope_type '\(type)' (only the default rotary embedding)")
        }
        let theta = (json["rope_theta"] as? NSNumber) ?? (ropeParameters?["rope_theta"] as? NSNumber)
        let hidden = try int("hidden_size")
        let heads = try int("num_attention_heads")
        self.init(
            vocabSize: try int("vocab_size"), hiddenSize: hidden, intermediateSize: try int("intermediate_size"),
            layers: try int("num_hidden_layers"), heads: heads, kvHeads: optionalInt("num_key_value_heads"),
            headDim: optionalInt("head_dim"), rmsNormEps: (json["rms_norm_eps"] as? NSNumber)?.doubleValue ?? 1e-6,
            ropeTheta: theta?.doubleValue ?? 10_000,
            tieWordEmbeddings: (json["tie_word_embeddings"] as? Bool) ?? false,
            maxPositions: optionalInt("max_position_embeddings") ?? 2048,
            bosTokenId: optionalInt("bos_token_id"), eosTokenId: optionalInt("eos_token_id"))
        try validate()
    }

    /// A `config.json` that `transformers` loads as `LlamaForCausalLM`. RoPE's base is written both ways
    /// (`rope_theta` and `rope_parameters`) so that transformers 4 and 5 both read it.
    public func huggingFaceJSON() throws -> Data { try Self.serialized(huggingFaceFields()) }

    /// The fields of `huggingFaceJSON`, for a head that writes its own architecture beside them.
    func huggingFaceFields() -> [String: Any] {
        var json: [String: Any] = [
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "vocab_size": vocabSize,
            "hidden_size": hiddenSize,
            "intermediate_size": intermediateSize,
            "num_hidden_layers": layers,
            "num_attention_heads": heads,
            "num_key_value_heads": kvHeads,
            "head_dim": headDim,
            "hidden_act": "silu",
            "rms_norm_eps": rmsNormEps,
            "rope_theta": ropeTheta,
            "rope_parameters": ["rope_type": "default", "rope_theta": ropeTheta],
            "tie_word_embeddings": tieWordEmbeddings,
            "max_position_embeddings": maxPositions,
            "attention_bias": false,
            "mlp_bias": false,
            "torch_dtype": "float32",
        ]
        if let bosTokenId { json["bos_token_id"] = bosTokenId }
        if let eosTokenId { json["eos_token_id"] = eosTokenId }
        return json
    }

    static func serialized(_ fields: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: fields, options: [.prettyPrinted, .sortedKeys])
    }
}
