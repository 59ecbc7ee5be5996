/// A byte-level BPE tokenizer that reads and writes Hugging Face `tokenizer.json` files and produces the same ids as
/// the `tokenizers` library for them (GPT-2, Llama 3 and SmolLM2-style vocabularies).
///
/// Encoding follows `tokenizers` step by step: added tokens (`<|im_end|>`…) are cut out of the raw text first, the
/// rest is split into pieces by the pre-tokenizer (`Split` with the GPT-2 or Llama-3 regex, `Digits`, `ByteLevel`),
/// and each piece's bytes are merged by BPE rank. No BOS/EOS is added: callers add `bosTokenId`/`eosTokenId`
/// themselves where their format wants them. Decoding concatenates the tokens' bytes and replaces invalid UTF-8
/// with U+FFFD, as `tokenizers` does.
///
/// ```swift
/// let tokenizer = try BPETokenizer.load(directory: modelDirectory)   // tokenizer.json + tokenizer_config.json
/// let ids = tokenizer.encode("<|im_start|>user\nHi!<|im_end|>\n")
/// let text = tokenizer.decode(ids, skipSpecialTokens: true)           // "user\nHi!\n"
/// let small = BPETokenizer.train(corpus: lines, vocabularySize: 2048, specialTokens: ["<|endoftext|>"])
/// try small.save(to: directory.appending(path: "tokenizer.json"))
/// ```
///
/// - Loading: `init(contentsOf:)`, `init(json:)`, `load(directory:)` (BPETokenizer+JSON.swift,
///   BPETokenizer+Directory.swift); saving: `save(to:)`, `save(directory:)` (BPETokenizer+Save.swift);
///   training: `train(corpus:vocabularySize:specialTokens:pattern:)` (BPETrainer.swift).
/// - Thread safety: immutable after init; `encode` keeps its buffers and piece cache per call, so any number of
///   threads may encode with one instance.
/// - Complexity: `encode` is linear in the text for repeated words (each distinct piece is merged once per call).
///   Release build on this project's 2-core machine (shared with other builds): 25–55 MB/s for 2 MB texts in one
///   call, 5–7 MB/s for the same texts line by line (~100-byte calls, each with a cold cache); Python `tokenizers`
///   0.23 managed 0.6–1.2 MB/s on the same texts and machine.
public final class BPETokenizer: Sendable {
    let model: BPEModel
    let preTokenizer: PreTokenizer
    /// The `added_tokens`, ordered by id.
    public let addedTokens: [AddedToken]
    let matcher: AddedTokenMatcher
    /// tokenizer.json sections carried through `save` without being interpreted.
    let decoderJSON: JSONValue
    let postProcessorJSON: JSONValue
    /// The special-token names `eosTokenId`… come from (tokenizer_config.json's or well-known ones).
    let specialTokens: SpecialTokens
    /// tokenizer_config.json's `chat_template` (Jinja source), when loaded from a directory that has one; see
    /// `ChatTemplate.detect(from:)`.
    public let chatTemplateSource: String?

    /// One more than the largest id (vocabulary or added token): the number of rows an embedding table needs.
    public let vocabularySize: Int
    public let eosTokenId: Int32?
    public let bosTokenId: Int32?
    public let padTokenId: Int32?

    private let addedIds: [String: Int32]
    private let addedById: [Int32: String]
    /// The bytes each id decodes to: `decodeBytes[decodeEnds[id]..<decodeEnds[id + 1]]`.
    private let decodeBytes: [UInt8]
    private let decodeEnds: [Int]
    /// Whether each id's token is a special added token (skipped by `decode(_:skipSpecialTokens: true)`).
    private let isSpecial: [Bool]

    /// Names of the tokens that end, begin and pad sequences.
    struct SpecialTokens: Sendable, Equatable {
        var eos: String?
        var bos: String?
        var pad: String?

        /// Used when no tokenizer_config.json names them: the first of each list that the vocabulary has.
        static let wellKnownEOS = ["<|im_end|>", "<|eot_id|>", "<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>"]
        static let wellKnownBOS = ["<|begin_of_text|>", "<s>", "<bos>", "<|startoftext|>"]
        static let wellKnownPad = ["<|pad|>", "<pad>", "[PAD]"]
    }

    /// Assembles a tokenizer from validated parts; `specialTokens` nil picks well-known names.
    init(
        model: BPEModel, preTokenizer: PreTokenizer, addedTokens: [AddedToken], decoder: JSONValue,
        postProcessor: JSONValue, specialTokens: SpecialTokens?, chatTemplateSource: String?
    ) throws {
        self.model = model
        self.preTokenizer = preTokenizer
        self.addedTokens = addedTokens.sorted { $0.id < $1.id }
        self.matcher = AddedTokenMatcher(addedTokens)
        self.decoderJSON = decoder
        self.postProcessorJSON = postProcessor
        self.chatTemplateSource = chatTemplateSource

        var addedIds: [String: Int32] = [:]
        var addedById: [Int32: String] = [:]
        for token in addedTokens {
            addedIds[token.content] = token.id
            addedById[token.id] = token.content
        }
        self.addedIds = addedIds
        self.addedById = addedById
        let maxId = max(Int(addedTokens.map(\.id).max() ?? -1), model.tokens.count - 1)
        vocabularySize = maxId + 1

        let specialContents = Set(addedTokens.filter(\.special).map(\.content))
        var decodeBytes: [UInt8] = []
        var decodeEnds = [0]
        var isSpecial: [Bool] = []
        for id in 0..<vocabularySize {
            let token = addedById[Int32(id)] ?? model.tokens[safe: id] ?? nil
            if let token { decodeBytes.append(contentsOf: ByteLevel.bytes(token) ?? Array(token.utf8)) }
            decodeEnds.append(decodeBytes.count)
            isSpecial.append(token.map(specialContents.contains) ?? false)
        }
        self.decodeBytes = decodeBytes
        self.decodeEnds = decodeEnds
        self.isSpecial = isSpecial

        let lookup = { (name: String) in addedIds[name] ?? model.vocab[name] }
        let names = specialTokens ?? SpecialTokens(
            eos: SpecialTokens.wellKnownEOS.first { lookup($0) != nil },
            bos: SpecialTokens.wellKnownBOS.first { lookup($0) != nil },
            pad: SpecialTokens.wellKnownPad.first { lookup($0) != nil })
        func resolve(_ name: String?, _ key: String) throws -> Int32? {
            guard let name else { return nil }
            guard let id = lookup(name) else {
                throw TokenizerError.malformed("tokenizer_config.json: \(key) \"\(name)\" is not in the vocabulary")
            }
            return id
        }
        eosTokenId = try resolve(names.eos, "eos_token")
        bosTokenId = try resolve(names.bos, "bos_token")
        padTokenId = try resolve(names.pad, "pad_token")
        self.specialTokens = names
    }

    /// Token ids for `text`: added tokens matched first, then pre-tokenization, then BPE. Adds no BOS/EOS.
    ///
    /// A pure function of the text, safe to call from any thread; this is the entry point for throughput benchmarks.
    public func encode(_ text: String) -> [Int32] {
        var text = text
        return text.withUTF8 { utf8 in
            ScalarClass.table.withUnsafeBufferPointer { classes in
                let view = TextView(bytes: utf8, classes: classes)
                var pieces = PieceEncoder(model: model)
                var out: [Int32] = []
                out.reserveCapacity(utf8.count / 3 + 1)
                matcher.forEachSegment(view) { segment in
                    switch segment {
                    case .token(let id): out.append(id)
                    case .text(let start, let end):
                        preTokenizer.forEachPiece(view, start, end) { pieces.encode($0, into: &out) }
                    }
                }
                return out
            }
        }
    }

    /// The text for `ids`: each token's bytes concatenated, invalid UTF-8 replaced by U+FFFD. Ids that name no token
    /// are skipped, as are special added tokens when `skipSpecialTokens`.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            let i = Int(id)
            guard i >= 0 && i < isSpecial.count, !(skipSpecialTokens && isSpecial[i]) else { continue }
            bytes.append(contentsOf: decodeBytes[decodeEnds[i]..<decodeEnds[i + 1]])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The id of a token as spelled in the vocabulary (`"Ġthe"`, `"<|im_end|>"`), added tokens first.
    public func id(of token: String) -> Int32? {
        addedIds[token] ?? model.vocab[token]
    }

    /// The vocabulary spelling of an id, or nil when no token has it.
    public func token(of id: Int32) -> String? {
        addedById[id] ?? model.tokens[safe: Int(id)] ?? nil
    }

    /// The pre-tokenizer steps, in order (for display and tests).
    public var preTokenizerSteps: [PreTokenizerStep] { preTokenizer.steps }
}

extension Array {
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
