import Foundation

/// A model directory as Hugging Face lays it out: tokenizer.json plus an optional tokenizer_config.json that names
/// the special tokens and holds the chat template.
extension BPETokenizer {
    /// Loads `directory/tokenizer.json`, and `directory/tokenizer_config.json` when present: its `eos_token`,
    /// `bos_token` and `pad_token` (each a string or an `{"content": …}` object) choose `eosTokenId`, `bosTokenId`
    /// and `padTokenId`, and its `chat_template` becomes `chatTemplateSource`. A token the config leaves out stays
    /// nil; without a config, well-known names (`<|im_end|>`, `<|endoftext|>`, `</s>`…) are used as in `init(json:)`.
    public static func load(directory: URL) throws -> BPETokenizer {
        do {
            return try loadFiles(directory: directory)
        } catch let error as TokenizerError {
            throw error.inFile(directory.appending(path: "tokenizer.json").path)
        }
    }

    private static func loadFiles(directory: URL) throws -> BPETokenizer {
        let tokenizerURL = directory.appending(path: "tokenizer.json")
        let data = try TokenizerError.read(tokenizerURL)
        let file = try decodeFile(data)
        let configURL = directory.appending(path: "tokenizer_config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            return try BPETokenizer(file: file, specialTokens: nil, chatTemplateSource: nil)
        }
        let configData = try TokenizerError.read(configURL)
        let config: JSONValue
        do {
            config = try JSONDecoder().decode(JSONValue.self, from: configData)
        } catch {
            throw TokenizerError.malformed("\(configURL.path) is not valid JSON")
        }
        let special = SpecialTokens(
            eos: try tokenName(config, "eos_token"), bos: try tokenName(config, "bos_token"),
            pad: try tokenName(config, "pad_token"))
        return try BPETokenizer(file: file, specialTokens: special, chatTemplateSource: try chatTemplate(config))
    }

    /// Writes `directory/tokenizer.json` and a `tokenizer_config.json` naming the special tokens and holding
    /// `chatTemplate` (Jinja; defaults to `chatTemplateSource`), so that `load(directory:)` and transformers'
    /// `AutoTokenizer` read the same tokenizer back. Creates the directory if needed.
    public func save(directory: URL, chatTemplate: String? = nil) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try save(to: directory.appending(path: "tokenizer.json"))
        var config: [String: JSONValue] = [
            "tokenizer_class": .string("PreTrainedTokenizerFast"),
            // transformers would otherwise strip spaces before punctuation when decoding.
            "clean_up_tokenization_spaces": .bool(false),
        ]
        for (key, name) in [("eos_token", specialTokens.eos), ("bos_token", specialTokens.bos),
                            ("pad_token", specialTokens.pad)] {
            config[key] = name.map(JSONValue.string) ?? .null
        }
        if let template = chatTemplate ?? chatTemplateSource { config["chat_template"] = .string(template) }
        try Data((JSONValue.object(config).serialized() + "\n").utf8)
            .write(to: directory.appending(path: "tokenizer_config.json"), options: .atomic)
    }

    private static func tokenName(_ config: JSONValue, _ key: String) throws -> String? {
        switch config[key] {
        case nil, .null?: return nil
        case .string(let name)?: return name
        case let value?:
            guard let name = value["content"]?.string else {
                throw TokenizerError.malformed(
                    "tokenizer_config.json: \(key) \(value.summary) (expected a string or {\"content\": …})")
            }
            return name
        }
    }

    /// `chat_template` is a string, or a list of `{"name", "template"}` of which "default" (else the first) is used.
    private static func chatTemplate(_ config: JSONValue) throws -> String? {
        switch config["chat_template"] {
        case nil, .null?: return nil
        case .string(let template)?: return template
        case .array(let named)?:
            let chosen = named.first { $0["name"]?.string == "default" } ?? named.first
            guard let template = chosen?["template"]?.string else {
                throw TokenizerError.malformed("tokenizer_config.json: chat_template list without a template")
            }
            return template
        case let value?:
            throw TokenizerError.malformed("tokenizer_config.json: chat_template \(value.summary)")
        }
    }
}
