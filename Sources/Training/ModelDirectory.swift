import Foundation
import Model
import Tokenizer

/// A model directory as transformers expects it: config.json and model.safetensors (`Transformer.save`),
/// tokenizer.json and tokenizer_config.json (`BPETokenizer.save(directory:)`: special tokens and chat template, so
/// `AutoTokenizer` knows EOS and pad), and generation_config.json with the tokenizer's EOS, so `generate` stops
/// where our sampler stops.
public func saveModelDirectory(_ model: Transformer, tokenizer: BPETokenizer, to directory: URL) throws {
    try model.save(directory: directory)
    try tokenizer.save(directory: directory)
    var generation: [String: Any] = [:]
    if let bos = tokenizer.bosTokenId { generation["bos_token_id"] = Int(bos) }
    if let eos = tokenizer.eosTokenId { generation["eos_token_id"] = Int(eos) }
    if let pad = tokenizer.padTokenId { generation["pad_token_id"] = Int(pad) }
    let json = try JSONSerialization.data(withJSONObject: generation, options: [.prettyPrinted, .sortedKeys])
    try AtomicFile.write(json + Data("\n".utf8), to: directory.appendingPathComponent("generation_config.json"))
}
