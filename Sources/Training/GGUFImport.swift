import Foundation
import Model
import Tokenizer

// GGUF files as models and tokenizers: `Transformer.load(gguf:)` (Model) and `BPETokenizer(gguf:)` (Tokenizer)
// joined through the file's `tokenizer.*` metadata. Training is the first module that sees both.
//
// ```swift
// let (model, tokenizer) = try importGGUF(file: URL(fileURLWithPath: "SmolLM2-135M-Instruct.Q4_1.gguf"))
// let directory = try importedGGUFDirectory(file: gguf)   // a Hugging Face directory beside it, made once
// ```

/// The model and tokenizer a Llama GGUF file holds (weights dequantized to Float, Q/K un-permuted).
/// - Throws: `GGUFError` for a corrupt file or a model or tensor type not implemented, `TokenizerError` for a
///   tokenizer not implemented (see `GGUFVocabulary.preTokenizer(named:)`).
public func importGGUF(file: URL) throws -> (model: Transformer, tokenizer: BPETokenizer) {
    let gguf = try GGUFFile(contentsOf: file)
    let model = try Transformer.load(gguf: gguf)
    let tokenizer = try BPETokenizer(gguf: ggufVocabulary(gguf))
    guard tokenizer.vocabularySize <= model.config.vocabSize else {
        throw GGUFError.unsupportedModel(path: file.path, "the tokenizer has \(tokenizer.vocabularySize) tokens but the "
            + "embedding only \(model.config.vocabSize) rows")
    }
    return (model, tokenizer)
}

/// `importGGUF(file:)`, then both saved as a Hugging Face directory (`saveModelDirectory`). What `dpo model import`
/// does.
@discardableResult
public func importGGUF(file: URL, to directory: URL) throws -> (model: Transformer, tokenizer: BPETokenizer) {
    let imported = try importGGUF(file: file)
    try saveModelDirectory(imported.model, tokenizer: imported.tokenizer, to: directory)
    return imported
}

/// A Hugging Face directory for a GGUF file, made by `importGGUF(file:to:)` the first time and reused while it is
/// newer than the file: `models/x/M.Q4_1.gguf` → `models/x/M.Q4_1/`. For an experiment whose `model:` names a
/// `.gguf` file, everything downstream (reference model, checkpoints, `dpo eval`) can then use the directory.
public func importedGGUFDirectory(file: URL) throws -> URL {
    let directory = file.deletingPathExtension()
    let manager = FileManager.default
    func modified(_ url: URL) -> Date? { (try? manager.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date }
    let marker = directory.appendingPathComponent("tokenizer_config.json")
    if let made = modified(marker), let source = modified(file.resolvingSymlinksInPath()), made >= source,
       manager.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path) {
        return directory
    }
    try? manager.removeItem(at: marker)
    try importGGUF(file: file, to: directory)
    return directory
}

/// The `tokenizer.ggml.*` and `tokenizer.chat_template` metadata as plain values.
public func ggufVocabulary(_ file: GGUFFile) throws -> GGUFVocabulary {
    func value(_ key: String) -> GGUFValue? { file.metadata[key] }
    func require<T>(_ key: String, _ read: (GGUFValue) -> T?, _ what: String) throws -> T {
        guard let value = value(key) else {
            throw GGUFError.metadata(path: file.path, key: key, problem: "is missing (the file has no tokenizer)")
        }
        guard let typed = read(value) else {
            throw GGUFError.metadata(path: file.path, key: key, problem: "is \(value.type) \(value), not \(what)")
        }
        return typed
    }
    func optional<T>(_ key: String, _ read: (GGUFValue) -> T?, _ what: String) throws -> T? {
        value(key) == nil ? nil : try require(key, read, what)
    }
    return GGUFVocabulary(
        model: try require("tokenizer.ggml.model", \.string, "a string"),
        pre: try optional("tokenizer.ggml.pre", \.string, "a string"),
        tokens: try require("tokenizer.ggml.tokens", \.strings, "an array of strings"),
        tokenTypes: try optional("tokenizer.ggml.token_type", \.ints, "an array of integers"),
        merges: try optional("tokenizer.ggml.merges", \.strings, "an array of strings") ?? [],
        bosTokenId: try optional("tokenizer.ggml.bos_token_id", \.int, "an integer"),
        eosTokenId: try optional("tokenizer.ggml.eos_token_id", \.int, "an integer"),
        paddingTokenId: try optional("tokenizer.ggml.padding_token_id", \.int, "an integer"),
        chatTemplate: try optional("tokenizer.chat_template", \.string, "a string"))
}
