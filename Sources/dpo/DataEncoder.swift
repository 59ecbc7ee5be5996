import ArgumentParser
import Foundation
import Preference
import Tokenizer

/// The encoder a data command counts with, and the words that tell the user what its counts mean.
struct DataEncoder {
    let encoder: any TokenEncoder
    /// "tokens" or "bytes".
    let unit: String
    /// Which tokenizer, e.g. "a 4096-token byte-level BPE trained on this file".
    let description: String
    /// The Jinja chat template of a loaded tokenizer directory, if it has one.
    var chatTemplateSource: String? = nil

    /// Vocabulary of the BPE trained on the file when no tokenizer is given: small enough to train in seconds,
    /// large enough that counts resemble a real model's.
    static let trainedVocabularySize = 4096
    /// Text the BPE is trained on, at most: merges settle long before this on one dataset's text.
    static let trainingSampleBytes = 2_000_000

    static func make(_ option: String, records: [PreferenceRecord]) throws -> DataEncoder {
        switch option {
        case "bytes":
            return DataEncoder(
                encoder: ByteEncoder(), unit: "bytes", description: "UTF-8 bytes, no tokenizer: --tokenizer bytes")
        case "file":
            let tokenizer = BPETokenizer.train(
                corpus: sample(records), vocabularySize: trainedVocabularySize,
                specialTokens: ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
            return DataEncoder(
                encoder: tokenizer, unit: "tokens",
                description: "a \(trainedVocabularySize)-token byte-level BPE trained on this file; "
                    + "--tokenizer DIR for a model's own")
        default:
            do {
                let tokenizer = try BPETokenizer.load(directory: URL(fileURLWithPath: option))
                return DataEncoder(
                    encoder: tokenizer, unit: "tokens", description: "the tokenizer in \(option)",
                    chatTemplateSource: tokenizer.chatTemplateSource)
            } catch {
                throw ValidationError("cannot load a tokenizer from \(option): \(error)")
            }
        }
    }

    /// Texts of the records, evenly spread over the file, up to `trainingSampleBytes`.
    private static func sample(_ records: [PreferenceRecord]) -> [String] {
        let texts = records.flatMap(\.texts)
        let total = texts.reduce(0) { $0 + $1.utf8.count }
        let stride = max(1, total / trainingSampleBytes)
        return texts.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
    }
}
