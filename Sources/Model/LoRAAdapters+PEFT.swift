import Foundation
import Kernels

extension LoRAAdapters {
    /// Writes the adapters in PEFT's layout: `adapter_config.json` and `adapter_model.safetensors` with PEFT's
    /// tensor names, which `peft.PeftModel.from_pretrained(base, directory)` loads.
    public func save(directory: URL, baseModel: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let adapterConfig: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": rank, "lora_alpha": alpha, "lora_dropout": 0.0,
            "target_modules": targets.map(\.rawValue), "base_model_name_or_path": baseModel, "bias": "none",
            "fan_in_fan_out": false, "inference_mode": true, "use_rslora": false, "init_lora_weights": true,
        ]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: adapterConfig,
                                                        options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                             to: directory.appendingPathComponent("adapter_config.json"))
        try SafetensorsFile.write(
            tensors.map { (name: $0.name, shape: $0.shape,
                           values: UnsafeBufferPointer(start: parameters.pointer + $0.offset, count: $0.shape.reduce(1, *))) },
            to: directory.appendingPathComponent("adapter_model.safetensors"))
    }

    /// Reads PEFT adapters for a model of shape `config`.
    public static func load(directory: URL, config: TransformerConfig) throws -> LoRAAdapters {
        let data = try Data(contentsOf: directory.appendingPathComponent("adapter_config.json"))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rank = (json["r"] as? NSNumber)?.intValue, let alpha = (json["lora_alpha"] as? NSNumber)?.doubleValue,
              let modules = json["target_modules"] as? [String]
        else { throw ModelError.invalidConfig("adapter_config.json lacks r, lora_alpha or target_modules") }
        if let type = json["peft_type"] as? String, type != "LORA" { throw ModelError.unsupported("peft_type \(type)") }
        let targets = try modules.map { name in
            guard let target = LoRATarget(rawValue: name) else { throw ModelError.unsupported("LoRA target module '\(name)'") }
            return target
        }
        let adapters = LoRAAdapters(config: config, rank: rank, alpha: alpha, targets: targets, seed: 0)
        let file = try SafetensorsFile(contentsOf: directory.appendingPathComponent("adapter_model.safetensors"))
        for tensor in adapters.tensors {
            guard let stored = file.tensors[tensor.name] else { throw ModelError.missingTensor(tensor.name) }
            guard stored.shape == tensor.shape else {
                throw ModelError.shapeMismatch(name: tensor.name, expected: tensor.shape, found: stored.shape)
            }
            try file.read(tensor.name, into: adapters.parameters.pointer + tensor.offset)
        }
        return adapters
    }

    /// Folds the adapters into the base weights, W ← W + (α/r)·B·A, for export as a plain model.
    public func merge(into model: Transformer) {
        precondition(model.config == config, "adapters made for another model shape")
        for entry in entries {
            let layer = model.layout.layers[entry.layer]
            let (base, inDim): (Int, Int) = switch entry.target {
            case .q, .k, .v: (layer.qkv, config.hiddenSize)
            case .o: (layer.output, config.heads * config.headDim)
            case .gate, .up: (layer.gateUp, config.hiddenSize)
            case .down: (layer.down, config.intermediateSize)
            }
            // The module's rows start `column` rows into its fused weight.
            let weight = model.parameters.pointer + base + entry.column * inDim
            gemm(transA: false, transB: false, m: entry.outDim, n: entry.inDim, k: rank, alpha: scale,
                 parameters.pointer + entry.b, lda: rank, parameters.pointer + entry.a, ldb: entry.inDim,
                 beta: 1, weight, ldc: entry.inDim)
        }
    }
}
