import Foundation

extension RewardModel {
    /// Hugging Face's name of this head, in `config.json`'s `architectures`.
    public static let architecture = "LlamaForSequenceClassification"

    /// Writes `config.json` and `model.safetensors` so that `transformers` loads the directory as
    /// `LlamaForSequenceClassification` with one label: the LM's config fields with this architecture,
    /// `num_labels`, the one-label `id2label`/`label2id` transformers itself writes and `pad_token_id`; the
    /// trunk's `model.*` tensors (no `lm_head.weight`) and `score.weight` `[1, hidden]`. Each file is atomic.
    public func save(directory: URL) throws {
        var fields = config.huggingFaceFields()
        fields["architectures"] = [Self.architecture]
        fields["num_labels"] = 1
        fields["id2label"] = ["0": "LABEL_0"]
        fields["label2id"] = ["LABEL_0": 0]
        fields["pad_token_id"] = padTokenId
        try trunk.save(directory: directory, configJSON: try TransformerConfig.serialized(fields), extraTensors: [
            (name: "score.weight", shape: [1, hiddenSize], values: UnsafeBufferPointer(start: score.pointer, count: hiddenSize)),
        ])
    }

    /// Loads a directory `save` wrote (or transformers did, for a one-label Llama sequence classifier).
    public static func load(directory: URL) throws -> RewardModel {
        let (config, data) = try Transformer.configFile(in: directory)
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let path = directory.appendingPathComponent("config.json").path
        guard (json["architectures"] as? [String])?.contains(architecture) == true else {
            throw ModelError.inFile(path, .unsupported(
                "not a \(architecture) (a causal LM starts a reward model through `dpo reward train`, not here)"))
        }
        let labels = (json["num_labels"] as? NSNumber)?.intValue ?? (json["id2label"] as? [String: Any])?.count ?? 2
        guard labels == 1 else { throw ModelError.inFile(path, .unsupported("\(labels) labels (a reward model has one)")) }
        guard let pad = (json["pad_token_id"] as? NSNumber)?.intValue else {
            throw ModelError.inFile(path, .invalidConfig("no pad_token_id (transformers needs it to find each row's last token)"))
        }
        var tied = config
        tied.tieWordEmbeddings = true
        let trunk = try Transformer.load(directory: directory, config: tied)
        let model = try RewardModel(trunk: trunk, padTokenId: pad)
        let files = try Transformer.safetensorsFiles(in: directory)
        guard let file = files.first(where: { $0.tensors["score.weight"] != nil }) else {
            throw ModelError.inFile(directory.path, .missingTensor("score.weight"))
        }
        let shape = file.tensors["score.weight"]!.shape
        guard shape == [1, config.hiddenSize] else {
            throw ModelError.inFile(directory.path, .shapeMismatch(name: "score.weight", expected: [1, config.hiddenSize], found: shape))
        }
        try file.read("score.weight", into: model.score.pointer)
        return model
    }
}
