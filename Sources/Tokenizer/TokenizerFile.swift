/// The parts of tokenizer.json this package reads, as `Decodable` types.
struct TokenizerFile: Decodable {
    var addedTokens: [AddedTokenEntry]
    var normalizer: JSONValue
    var preTokenizer: JSONValue
    var postProcessor: JSONValue
    var decoder: JSONValue
    var model: Model

    struct AddedTokenEntry: Decodable {
        var id: Int64
        var content: String
        var singleWord: Bool?
        var lstrip: Bool?
        var rstrip: Bool?
        var normalized: Bool?
        var special: Bool?

        enum CodingKeys: String, CodingKey {
            case id, content, lstrip, rstrip, normalized, special
            case singleWord = "single_word"
        }
    }

    struct Model: Decodable {
        var type: String?
        var vocab: [String: Int64]
        var merges: Merges
        var dropout: Double?
        var unkToken: String?
        var continuingSubwordPrefix: String?
        var endOfWordSuffix: String?
        var fuseUnk: Bool?
        var byteFallback: Bool?
        var ignoreMerges: Bool?

        enum CodingKeys: String, CodingKey {
            case type, vocab, merges, dropout
            case unkToken = "unk_token"
            case continuingSubwordPrefix = "continuing_subword_prefix"
            case endOfWordSuffix = "end_of_word_suffix"
            case fuseUnk = "fuse_unk"
            case byteFallback = "byte_fallback"
            case ignoreMerges = "ignore_merges"
        }

        /// `[["a", "b"], …]` (tokenizers ≥ 0.20) or the older `["a b", …]`.
        struct Merges: Decodable {
            var pairs: [(String, String)]

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let lists = try? container.decode([[String]].self) {
                    pairs = try lists.enumerated().map { index, list in
                        guard list.count == 2 else {
                            throw TokenizerError.malformed(
                                "model.merges[\(index)]: expected 2 tokens, found \(list.count)")
                        }
                        return (list[0], list[1])
                    }
                } else {
                    pairs = try container.decode([String].self).enumerated().map { index, line in
                        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                        guard parts.count == 2 else {
                            throw TokenizerError.malformed("model.merges[\(index)]: \"\(line)\" is not \"left right\"")
                        }
                        return (String(parts[0]), String(parts[1]))
                    }
                }
            }
        }

        func bpeModel() throws -> BPEModel {
            if let type, type != "BPE" {
                throw TokenizerError.unsupported("model.type \"\(type)\" (only BPE is supported)")
            }
            if let dropout, dropout != 0 {
                throw TokenizerError.unsupported("model.dropout \(dropout) (random merges; only null or 0)")
            }
            if byteFallback == true {
                throw TokenizerError.unsupported("model.byte_fallback true (a SentencePiece-style BPE, not byte-level)")
            }
            for (key, value) in [("continuing_subword_prefix", continuingSubwordPrefix),
                                 ("end_of_word_suffix", endOfWordSuffix)]
            where !(value ?? "").isEmpty {
                throw TokenizerError.unsupported("model.\(key) \"\(value ?? "")\" (only null is supported)")
            }
            var ids: [String: Int32] = [:]
            ids.reserveCapacity(vocab.count)
            for (token, id) in vocab {
                guard let id = Int32(exactly: id) else {
                    throw TokenizerError.malformed("model.vocab: id \(id) of \"\(token)\" is out of range")
                }
                ids[token] = id
            }
            return try BPEModel(
                vocab: ids, merges: merges.pairs, ignoreMerges: ignoreMerges ?? false, unknownToken: unkToken,
                fuseUnknown: fuseUnk ?? false)
        }
    }

    enum CodingKeys: String, CodingKey {
        case normalizer, decoder, model
        case addedTokens = "added_tokens"
        case preTokenizer = "pre_tokenizer"
        case postProcessor = "post_processor"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        addedTokens = try container.decodeIfPresent([AddedTokenEntry].self, forKey: .addedTokens) ?? []
        normalizer = try container.decodeIfPresent(JSONValue.self, forKey: .normalizer) ?? .null
        preTokenizer = try container.decodeIfPresent(JSONValue.self, forKey: .preTokenizer) ?? .null
        postProcessor = try container.decodeIfPresent(JSONValue.self, forKey: .postProcessor) ?? .null
        self.decoder = try container.decodeIfPresent(JSONValue.self, forKey: .decoder) ?? .null
        model = try container.decode(Model.self, forKey: .model)
    }
}
