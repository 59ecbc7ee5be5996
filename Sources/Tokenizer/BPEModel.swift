/// The `model` part of a byte-level BPE tokenizer.json: vocabulary, ranked merges and their options, plus the
/// lookup tables encoding needs, built once.
///
/// Vocabulary tokens are spelled in GPT-2 byte characters (see `ByteLevel`); a piece of text is encoded as its bytes'
/// single-byte tokens, which are then merged pair by pair, lowest rank first (Sennrich et al. 2016, "Neural Machine
/// Translation of Rare Words with Subword Units"; byte-level variant from GPT-2).
struct BPEModel: Sendable {
    struct Merge: Sendable, Equatable {
        let left: Int32
        let right: Int32
    }

    /// Token → id, as in the file.
    let vocab: [String: Int32]
    /// Token by id; nil for ids no vocabulary entry uses.
    let tokens: [String?]
    /// Merges in file order (rank = position).
    let merges: [Merge]
    /// `ignore_merges`: a piece that is itself a vocabulary token is that token, whatever merging would give.
    let ignoreMerges: Bool
    /// `unk_token`, used for bytes without a token (byte-level vocabularies normally have all 256), and whether
    /// consecutive unknown bytes share one (`fuse_unk`).
    let unknownToken: String?
    let fuseUnknown: Bool

    /// The id of each single-byte token, -1 where the vocabulary lacks it.
    let byteIds: [Int32]
    let unknownId: Int32?
    let mergeTable: MergeTable
    /// Vocabulary tokens by their bytes, for `ignore_merges` (empty otherwise); `wholeTokenIds[k]` is entry k's id.
    let wholeTokens: ByteStringTable
    let wholeTokenIds: [Int32]

    /// The largest token id this package accepts; keeps a corrupt file from asking for a gigantic table.
    static let maxId: Int32 = 1 << 24

    /// Validates and indexes a vocabulary and merge list; errors name the offending entry.
    init(
        vocab: [String: Int32], merges: [(String, String)], ignoreMerges: Bool, unknownToken: String?,
        fuseUnknown: Bool
    ) throws {
        guard !vocab.isEmpty else { throw TokenizerError.malformed("model.vocab is empty") }
        if let (token, id) = vocab.first(where: { $0.value < 0 || $0.value >= Self.maxId }) {
            throw TokenizerError.malformed("model.vocab: id \(id) of \"\(token)\" is out of range")
        }
        var tokens = [String?](repeating: nil, count: Int(vocab.values.max() ?? -1) + 1)
        for (token, id) in vocab.sorted(by: { $0.value < $1.value }) {
            if let other = tokens[Int(id)] {
                throw TokenizerError.malformed("model.vocab: \"\(other)\" and \"\(token)\" both have id \(id)")
            }
            tokens[Int(id)] = token
        }
        var table = MergeTable(capacity: merges.count)
        var mergeIds: [Merge] = []
        mergeIds.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let left = vocab[a], let right = vocab[b] else {
                let missing = vocab[a] == nil ? a : b
                throw TokenizerError.malformed("model.merges[\(rank)]: \"\(missing)\" is not in the vocabulary")
            }
            guard let merged = vocab[a + b] else {
                throw TokenizerError.malformed("model.merges[\(rank)]: \"\(a + b)\" is not in the vocabulary")
            }
            table.insert(left, right, rank: Int32(rank), merged: merged)
            mergeIds.append(Merge(left: left, right: right))
        }
        var unknownId: Int32?
        if let unknownToken {
            guard let id = vocab[unknownToken] else {
                throw TokenizerError.malformed("model.unk_token \"\(unknownToken)\" is not in the vocabulary")
            }
            unknownId = id
        }
        var wholeTokens = ByteStringTable()
        var wholeTokenIds: [Int32] = []
        if ignoreMerges {
            for (token, id) in vocab {
                guard let bytes = ByteLevel.bytes(token) else { continue }
                _ = bytes.withUnsafeBufferPointer { wholeTokens.insert($0) }
                wholeTokenIds.append(id)
            }
        }
        self.vocab = vocab
        self.tokens = tokens
        self.merges = mergeIds
        self.ignoreMerges = ignoreMerges
        self.unknownToken = unknownToken
        self.fuseUnknown = fuseUnknown
        self.byteIds = (0..<256).map { vocab[ByteLevel.token([UInt8($0)])] ?? -1 }
        self.unknownId = unknownId
        self.mergeTable = table
        self.wholeTokens = wholeTokens
        self.wholeTokenIds = wholeTokenIds
    }

    /// The merges as token strings, in rank order, for saving.
    var mergeStrings: [(String, String)] {
        merges.map { (tokens[Int($0.left)] ?? "", tokens[Int($0.right)] ?? "") }
    }
}
