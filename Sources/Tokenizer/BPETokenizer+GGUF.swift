/// The tokenizer a GGUF file describes in its `tokenizer.ggml.*` metadata, as plain values: whoever reads the file
/// (the `Model` module's `GGUFFile`) fills it in, so this module needs no GGUF reader.
///
/// ```swift
/// let vocabulary = GGUFVocabulary(
///     model: "gpt2", pre: "smollm", tokens: tokens, tokenTypes: types, merges: merges,
///     bosTokenId: 1, eosTokenId: 2, chatTemplate: template)
/// let tokenizer = try BPETokenizer(gguf: vocabulary)
/// ```
public struct GGUFVocabulary: Sendable, Equatable {
    /// `tokenizer.ggml.model`: only `gpt2` (byte-level BPE) is implemented.
    public var model: String
    /// `tokenizer.ggml.pre`: llama.cpp's name for the pre-tokenizer (`smollm`, `gpt-2`, `llama-bpe`…).
    public var pre: String?
    /// `tokenizer.ggml.tokens`, indexed by id, spelled as in tokenizer.json (GPT-2 byte characters).
    public var tokens: [String]
    /// `tokenizer.ggml.token_type`: llama.cpp's `llama_token_attr` values per id (1 normal, 2 unknown, 3 control,
    /// 4 user-defined, 5 unused, 6 byte).
    public var tokenTypes: [Int]?
    /// `tokenizer.ggml.merges`: `"left right"` strings in rank order.
    public var merges: [String]
    /// `tokenizer.ggml.bos_token_id`, `eos_token_id`, `padding_token_id`.
    public var bosTokenId: Int?
    public var eosTokenId: Int?
    public var paddingTokenId: Int?
    /// `tokenizer.chat_template` (Jinja).
    public var chatTemplate: String?

    public init(
        model: String, pre: String?, tokens: [String], tokenTypes: [Int]?, merges: [String], bosTokenId: Int? = nil,
        eosTokenId: Int? = nil, paddingTokenId: Int? = nil, chatTemplate: String? = nil
    ) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.bosTokenId = bosTokenId
        self.eosTokenId = eosTokenId
        self.paddingTokenId = paddingTokenId
        self.chatTemplate = chatTemplate
    }

    /// llama.cpp's token types that matter here.
    public enum TokenType: Int, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// The pre-tokenizer llama.cpp runs for each `tokenizer.ggml.pre` implemented here, as tokenizer.json steps,
    /// and whether it ignores merges (`llama-vocab.cpp`, `llama_vocab::impl::load` and `llm_tokenizer_bpe`):
    /// - `smollm`: `\p{N}` (each digit alone), then the GPT-2 regex: `Digits(individual_digits)` + `ByteLevel`,
    ///   as SmolLM2's own tokenizer.json has it;
    /// - `gpt-2`: the GPT-2 regex alone (`ByteLevel` with `use_regex`);
    /// - `llama3`, `llama-v3`, `llama-bpe`, `falcon3`: Llama 3's regex (`Split` + `ByteLevel` without regex), and
    ///   `ignore_merges`.
    public static func preTokenizer(named pre: String) -> (steps: [PreTokenizerStep], ignoreMerges: Bool)? {
        let byteLevel = PreTokenizerStep.byteLevel(addPrefixSpace: false, trimOffsets: true, useRegex: true)
        switch pre {
        case "smollm": return ([.digits(individualDigits: true), byteLevel], false)
        case "gpt-2": return ([byteLevel], false)
        case "llama3", "llama-v3", "llama-bpe", "falcon3":
            return ([.split(.llama3), .byteLevel(addPrefixSpace: false, trimOffsets: true, useRegex: false)], true)
        default: return nil
        }
    }

    static let supportedPreTokenizers = ["smollm", "gpt-2", "llama3", "llama-v3", "llama-bpe", "falcon3"]
}

extension BPETokenizer {
    /// The byte-level BPE tokenizer llama.cpp builds from a GGUF file's vocabulary, as transformers' GGUF loader
    /// lays it out: the vocabulary and merges as they are, control tokens (type 3) as special added tokens and
    /// user-defined ones (type 4) as plain added tokens (both matched whole before pre-tokenization), BOS, EOS and
    /// padding by id, and the chat template. The pre-tokenizer follows `tokenizer.ggml.pre` (see
    /// `GGUFVocabulary.preTokenizer(named:)`); transformers falls back to the GPT-2 regex for names it does not
    /// know, which drops SmolLM2's digit split, so llama.cpp is the reference here.
    ///
    /// - Throws: `TokenizerError.unsupported` for another tokenizer model or an unknown pre-tokenizer name, and
    ///   `TokenizerError.malformed` for a merge that is not two vocabulary tokens, token types of another length,
    ///   or a special token id outside the vocabulary.
    public convenience init(gguf vocabulary: GGUFVocabulary) throws {
        guard vocabulary.model == "gpt2" else {
            throw TokenizerError.unsupported(
                "GGUF tokenizer.ggml.model '\(vocabulary.model)' (only 'gpt2', byte-level BPE, is implemented)")
        }
        guard let pre = vocabulary.pre else {
            throw TokenizerError.unsupported(
                "GGUF file without tokenizer.ggml.pre (llama.cpp's 'default' pre-tokenizer is not implemented)")
        }
        guard let (steps, ignoreMerges) = GGUFVocabulary.preTokenizer(named: pre) else {
            throw TokenizerError.unsupported(
                "GGUF tokenizer.ggml.pre '\(pre)' (implemented: \(GGUFVocabulary.supportedPreTokenizers.joined(separator: ", ")))")
        }
        let tokens = vocabulary.tokens
        guard tokens.count < Int(BPEModel.maxId) else {
            throw TokenizerError.malformed("GGUF tokenizer.ggml.tokens: \(tokens.count) tokens are too many")
        }
        if let types = vocabulary.tokenTypes, types.count != tokens.count {
            throw TokenizerError.malformed(
                "GGUF tokenizer.ggml.token_type has \(types.count) entries for \(tokens.count) tokens")
        }
        // A later duplicate wins, as in transformers' `{token: index for index, token in enumerate(tokens)}`.
        var vocab: [String: Int32] = [:]
        vocab.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { vocab[token] = Int32(id) }
        let merges = try vocabulary.merges.enumerated().map { rank, merge -> (String, String) in
            // llama.cpp splits at the first space after the first byte, so a left token " " still works.
            let bytes = Array(merge.utf8)
            guard bytes.count > 1, let space = bytes[1...].firstIndex(of: UInt8(ascii: " ")) else {
                throw TokenizerError.malformed("GGUF tokenizer.ggml.merges[\(rank)]: \"\(merge)\" is not \"left right\"")
            }
            return (String(decoding: bytes[..<space], as: UTF8.self), String(decoding: bytes[(space + 1)...], as: UTF8.self))
        }
        let model = try BPEModel(vocab: vocab, merges: merges, ignoreMerges: ignoreMerges, unknownToken: nil, fuseUnknown: false)
        var added: [AddedToken] = []
        for (id, type) in (vocabulary.tokenTypes ?? []).enumerated() where vocab[tokens[id]] == Int32(id) {
            switch GGUFVocabulary.TokenType(rawValue: type) {
            case .control?: added.append(AddedToken(id: Int32(id), content: tokens[id], normalized: false, special: true))
            case .userDefined?: added.append(AddedToken(id: Int32(id), content: tokens[id], normalized: false, special: false))
            default: break
            }
        }
        func name(_ id: Int?, _ key: String) throws -> String? {
            guard let id else { return nil }
            guard tokens.indices.contains(id) else {
                throw TokenizerError.malformed("GGUF tokenizer.ggml.\(key) \(id) is outside the \(tokens.count)-token vocabulary")
            }
            return tokens[id]
        }
        let special = SpecialTokens(
            eos: try name(vocabulary.eosTokenId, "eos_token_id"), bos: try name(vocabulary.bosTokenId, "bos_token_id"),
            pad: try name(vocabulary.paddingTokenId, "padding_token_id"))
        let byteLevel = JSONValue.object([
            "type": .string("ByteLevel"), "add_prefix_space": .bool(true), "trim_offsets": .bool(true),
            "use_regex": .bool(true),
        ])
        try self.init(
            model: model, preTokenizer: PreTokenizer(steps: steps), addedTokens: added, decoder: byteLevel,
            postProcessor: byteLevel, specialTokens: special, chatTemplateSource: vocabulary.chatTemplate)
    }
}
