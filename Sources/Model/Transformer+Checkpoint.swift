import Foundation

extension Transformer {
    /// Loads a Hugging Face model directory: `config.json` and `model.safetensors` (or the shards listed in
    /// `model.safetensors.index.json`). Every tensor of the layout must be present with the shape the config
    /// implies; a tied model's `lm_head.weight`, if a file carries one, is ignored in favour of the embedding.
    public static func load(directory: URL) throws -> Transformer {
        try load(directory: directory, config: try configFile(in: directory).config)
    }

    /// A directory's `config.json`, as read and as a model config.
    static func configFile(in directory: URL) throws -> (config: TransformerConfig, data: Data) {
        let configURL = directory.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw ModelError.invalidConfig("\(configURL.path): no such file (is \(directory.path) a Hugging Face model directory?)")
        }
        do {
            let config = try TransformerConfig(huggingFaceJSON: data)
            try config.validate()
            return (config, data)
        } catch let error as ModelError {
            throw ModelError.inFile(configURL.path, error)
        }
    }

    /// The weights of `config`'s layout from the directory's safetensors files; other tensors are ignored.
    static func load(directory: URL, config: TransformerConfig) throws -> Transformer {
        // Every tensor is matched against the file before the model is allocated, so sizes in config.json that the
        // file's bytes do not back are an error, not an allocation of whatever they imply.
        let files = try safetensorsFiles(in: directory)
        var sources: [(entry: ParameterLayout.Entry, file: SafetensorsFile)] = []
        for entry in ParameterLayout(config).tensors {
            guard let file = files.first(where: { $0.tensors[entry.name] != nil }), let tensor = file.tensors[entry.name]
            else { throw ModelError.inFile(directory.path, .missingTensor(entry.name)) }
            guard tensor.shape == entry.shape else {
                throw ModelError.inFile(directory.path, .shapeMismatch(name: entry.name, expected: entry.shape, found: tensor.shape))
            }
            sources.append((entry, file))
        }
        let model = try Transformer(config: config)
        for (entry, file) in sources {
            try file.read(entry.name, into: model.parameters.pointer + entry.offset)
            let values = UnsafeBufferPointer(start: model.parameters.pointer + entry.offset, count: entry.count)
            if let index = values.firstIndex(where: { !$0.isFinite }) {
                throw ModelError.inFile(directory.path, .invalidConfig("tensor \(entry.name) holds \(values[index]) at element \(index)"))
            }
        }
        return model
    }

    /// Writes `config.json` and `model.safetensors` with Hugging Face tensor names, so `transformers` loads the
    /// directory as `LlamaForCausalLM`. Each file is written atomically.
    public func save(directory: URL) throws {
        try save(directory: directory, configJSON: try config.huggingFaceJSON(), extraTensors: [])
    }

    /// Writes `configJSON` as `config.json` and every layout tensor, then `extraTensors`, into `model.safetensors`.
    func save(directory: URL, configJSON: Data, extraTensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(configJSON, to: directory.appendingPathComponent("config.json"))
        let tensors = layout.tensors.map { entry in
            (name: entry.name, shape: entry.shape,
             values: UnsafeBufferPointer(start: parameters.pointer + entry.offset, count: entry.count))
        }
        try SafetensorsFile.write(tensors + extraTensors, to: directory.appendingPathComponent("model.safetensors"))
    }

    static func safetensorsFiles(in directory: URL) throws -> [SafetensorsFile] {
        let single = directory.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: single.path) { return [try SafetensorsFile(contentsOf: single)] }
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        guard let data = try? Data(contentsOf: index),
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let weightMap = json["weight_map"] as? [String: String]
        else { throw ModelError.missingTensor("model.safetensors (no such file or index in \(directory.path))") }
        return try Set(weightMap.values).sorted().map { try SafetensorsFile(contentsOf: directory.appendingPathComponent($0)) }
    }
}
