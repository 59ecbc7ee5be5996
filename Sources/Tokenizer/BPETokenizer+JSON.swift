import Foundation

/// Reading tokenizer.json: a `BPE` model with a `ByteLevel` pre-tokenizer (alone or in a `Sequence` after `Split`
/// and `Digits` steps), a `ByteLevel` decoder, no normalizer. Anything else is rejected with an error naming it,
/// rather than loaded and encoded differently from `tokenizers`.
extension BPETokenizer {
    /// Reads a tokenizer.json file.
    public convenience init(contentsOf url: URL) throws {
        let data = try TokenizerError.read(url)
        do {
            try self.init(json: data)
        } catch let error as TokenizerError {
            throw error.inFile(url.path)
        }
    }

    /// Parses tokenizer.json contents.
    public convenience init(json: Data) throws {
        try self.init(file: try Self.decodeFile(json), specialTokens: nil, chatTemplateSource: nil)
    }

    convenience init(file: TokenizerFile, specialTokens: SpecialTokens?, chatTemplateSource: String?) throws {
        let model = try file.model.bpeModel()
        if !file.normalizer.isNull {
            throw TokenizerError.unsupported("normalizer \(file.normalizer.summary) (only null is supported)")
        }
        let steps = try Self.preTokenizerSteps(file.preTokenizer, path: "pre_tokenizer")
        guard case .byteLevel = steps.last, steps.dropLast().allSatisfy({ $0.isByteLevel == false }) else {
            throw TokenizerError.unsupported(
                "pre_tokenizer \(file.preTokenizer.summary): a byte-level BPE needs exactly one ByteLevel step, last")
        }
        guard file.decoder["type"]?.string == "ByteLevel" else {
            throw TokenizerError.unsupported("decoder \(file.decoder.summary) (only ByteLevel is supported)")
        }
        try self.init(
            model: model, preTokenizer: PreTokenizer(steps: steps),
            addedTokens: Self.assignIds(file.addedTokens, model: model), decoder: file.decoder,
            postProcessor: file.postProcessor, specialTokens: specialTokens, chatTemplateSource: chatTemplateSource)
    }

    static func decodeFile(_ json: Data) throws -> TokenizerFile {
        do {
            return try JSONDecoder().decode(TokenizerFile.self, from: json)
        } catch let error as TokenizerError {
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            throw TokenizerError.malformed("tokenizer.json \(Self.describe(context))")
        } catch let DecodingError.keyNotFound(key, context) {
            throw TokenizerError.malformed("tokenizer.json \(Self.describe(context)): missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw TokenizerError.malformed("tokenizer.json \(Self.describe(context))")
        } catch let DecodingError.valueNotFound(type, context) {
            throw TokenizerError.malformed("tokenizer.json \(Self.describe(context)): expected \(type), found null")
        } catch {
            throw TokenizerError.malformed("tokenizer.json: \(error)")
        }
    }

    private static func describe(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return "at \(path.isEmpty ? "top level" : String(path.drop { $0 == "." }))"
            + (context.debugDescription.isEmpty ? "" : " (\(context.debugDescription))")
    }

    /// Flattens a pre_tokenizer section into steps.
    static func preTokenizerSteps(_ value: JSONValue, path: String) throws -> [PreTokenizerStep] {
        func flag(_ key: String, default fallback: Bool) throws -> Bool {
            guard let member = value[key], !member.isNull else { return fallback }
            guard let flag = member.bool else { throw TokenizerError.malformed("\(path).\(key): expected a boolean") }
            return flag
        }
        switch value["type"]?.string {
        case "Sequence":
            guard case .array(let items)? = value["pretokenizers"] else {
                throw TokenizerError.malformed("\(path).pretokenizers: expected an array")
            }
            return try items.enumerated().flatMap { try preTokenizerSteps($1, path: "\(path).pretokenizers[\($0)]") }
        case "ByteLevel":
            return [.byteLevel(
                addPrefixSpace: try flag("add_prefix_space", default: true),
                trimOffsets: try flag("trim_offsets", default: true), useRegex: try flag("use_regex", default: true))]
        case "Digits":
            return [.digits(individualDigits: try flag("individual_digits", default: false))]
        case "Split":
            guard let regex = value["pattern"]?["Regex"]?.string else {
                throw TokenizerError.unsupported(
                    "\(path): Split pattern \(value["pattern"]?.summary ?? "null") (only Regex patterns are supported)")
            }
            guard let pattern = SplitPattern(regex: regex) else {
                throw TokenizerError.unsupported(
                    "\(path): Split regex \(regex) is not one of the implemented patterns (GPT-2, Llama-3)")
            }
            guard value["behavior"]?.string == "Isolated", try !flag("invert", default: false) else {
                throw TokenizerError.unsupported(
                    "\(path): Split behavior \(value["behavior"]?.summary ?? "null") with invert "
                        + "\(value["invert"]?.summary ?? "null") (only Isolated, not inverted, is supported)")
            }
            return [.split(pattern)]
        default:
            throw TokenizerError.unsupported(
                "\(path) \(value.summary) (supported: ByteLevel, Split, Digits, Sequence of them)")
        }
    }

    /// Ids as `tokenizers` assigns them when it loads a file (`AddedVocabulary::add_tokens`): a token whose content
    /// is already known keeps that id; a new one gets the next id after the vocabulary, in file order. For files
    /// `tokenizers` wrote this equals the `id` field; for hand-edited ones it is what Python would use.
    static func assignIds(_ entries: [TokenizerFile.AddedTokenEntry], model: BPEModel) -> [AddedToken] {
        var byContent: [String: AddedToken] = [:]
        var order: [String] = []
        var nextId = Int32(model.vocab.count)
        for entry in entries where !entry.content.isEmpty {
            let id: Int32
            if let known = byContent[entry.content]?.id ?? model.vocab[entry.content] {
                id = known
            } else {
                id = nextId
                nextId += 1
            }
            if byContent[entry.content] == nil { order.append(entry.content) }
            byContent[entry.content] = AddedToken(
                id: id, content: entry.content, singleWord: entry.singleWord ?? false, lstrip: entry.lstrip ?? false,
                rstrip: entry.rstrip ?? false, normalized: entry.normalized ?? true, special: entry.special ?? false)
        }
        return order.compactMap { byContent[$0] }
    }
}

extension PreTokenizerStep {
    var isByteLevel: Bool {
        if case .byteLevel = self { return true }
        return false
    }
}
