import Foundation
import TestSupport
import Tokenizer

/// The committed fixtures of `Tests/Fixtures/tokenizer/` (written by `make_tokenizer_golden.py`; see its docstring).
enum Fixtures {
    static let directory = RepositoryPaths.fixture("tokenizer")

    /// Tokenizers built by the Python script with `tokenizers`, then the one the Swift trainer recorded.
    static let pythonVariants = ["gpt2", "llama3", "smollm", "ignore_merges", "gpt2_extras"]
    static let allVariants = pythonVariants + ["swift_trained"]

    static func tokenizerURL(_ variant: String) -> URL {
        directory.appending(path: variant).appending(path: "tokenizer.json")
    }

    static func tokenizer(_ variant: String) throws -> BPETokenizer {
        try BPETokenizer(contentsOf: tokenizerURL(variant))
    }

    static let golden: Golden? = try? JSONDecoder().decode(
        Golden.self, from: Data(contentsOf: directory.appending(path: "golden.json")))

    /// The lines the Swift trainer test trains on.
    static func corpus() throws -> [String] {
        try String(contentsOf: directory.appending(path: "corpus.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}

/// golden.json: what Python's `tokenizers` and transformers produced.
struct Golden: Decodable, Sendable {
    let strings: [String]
    let variants: [String: Variant]
    let chat: Chat

    struct Variant: Decodable, Sendable {
        let vocabSize: Int
        /// `encode(s, add_special_tokens=False).ids` for each string.
        let ids: [[Int32]]
        /// `decode(ids, skip_special_tokens=False)`; nil where it equals the input string.
        let decoded: [String?]
        /// `decode(ids, skip_special_tokens=True)`; nil where it equals `decoded`.
        let decodedSkipSpecial: [String?]
        let decodeCases: [DecodeCase]

        enum CodingKeys: String, CodingKey {
            case ids, decoded
            case vocabSize = "vocab_size"
            case decodedSkipSpecial = "decoded_skip_special"
            case decodeCases = "decode_cases"
        }
    }

    /// Cut-off and random id lists with their decoded text.
    struct DecodeCase: Decodable, Sendable {
        let ids: [Int32]
        let text: String
        let textSkipSpecial: String

        enum CodingKeys: String, CodingKey {
            case ids, text
            case textSkipSpecial = "text_skip_special"
        }
    }

    struct Chat: Decodable, Sendable {
        /// Jinja source by name: "smollm2" (SmolLM2-Instruct's), "chatml", "hh".
        let templates: [String: String]
        let renders: [Render]
    }

    /// transformers' `apply_chat_template(messages, chat_template: templates[template], tokenize=False, …)`.
    struct Render: Decodable, Sendable {
        let template: String
        let messages: [ChatMessage]
        let addGenerationPrompt: Bool
        let text: String

        enum CodingKeys: String, CodingKey {
            case template, messages, text
            case addGenerationPrompt = "add_generation_prompt"
        }
    }
}

/// Strings compared scalar by scalar: Swift's `==` treats canonically equivalent strings ("é" and "e\u{301}") as
/// equal, which would hide exactly the differences these tests look for.
func sameScalars(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.elementsEqual(b.unicodeScalars)
}
