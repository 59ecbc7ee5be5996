/// Byte-level BPE training (Sennrich et al. 2016, with GPT-2's byte alphabet): start from the 256 single-byte tokens
/// and repeatedly merge the most frequent adjacent pair of tokens inside words, words weighted by how often they
/// occur, until the vocabulary has the requested size.
///
/// Words are the pieces the tokenizer's own pre-tokenizer makes (special tokens are cut out of the corpus first, so
/// they never take part in merges), counted once each. Pair counts are kept up to date incrementally: a merge only
/// revisits the words that contain its pair, and a max-heap with lazily discarded stale entries finds the next
/// best pair. Ties go to the smaller (left id, right id), so training is deterministic; ids, counts and tie-break
/// are those of `tokenizers`' `BpeTrainer`, which gives the very same vocabulary and merges on a corpus without
/// special tokens (tested; on text containing them, `BpeTrainer` also counts their fragments as words).
///
/// - Complexity: about O(total word length + merges × words touched per merge); a few seconds for 2,048 tokens on
///   1 MB of text in a release build.
struct BPETrainer {
    /// Each token's bytes, by id (special tokens: their UTF-8, never merged).
    private var tokenBytes: [[UInt8]] = []
    /// Token id by the UTF-8 of its vocabulary spelling.
    private var ids: [[UInt8]: Int32] = [:]
    private var merges: [(Int32, Int32)] = []

    private var words: [[Int32]] = []
    private var wordCounts: [Int] = []
    private var pairCounts: [UInt64: Int] = [:]
    /// Words that contain (or once contained) each pair; may hold duplicates and stale entries.
    private var pairWords: [UInt64: [Int32]] = [:]
    private var heap: [(count: Int, pair: UInt64)] = []

    /// A trained tokenizer: special tokens get ids 0…, then the 256 bytes (in code-point order of their GPT-2
    /// characters, as `tokenizers` orders its alphabet), then one token per merge. The vocabulary can stay smaller
    /// than asked when the corpus runs out of pairs; it is never smaller than the specials plus 256.
    static func train(corpus: [String], vocabularySize: Int, specialTokens: [String], pattern: SplitPattern)
        -> BPETokenizer
    {
        var trainer = BPETrainer()
        var specials: [String] = []
        for special in specialTokens where !special.isEmpty && !specials.contains(special) { specials.append(special) }
        for special in specials { _ = trainer.addToken(Array(special.utf8), spelling: special) }
        for byte in (0..<256).sorted(by: { ByteLevel.character[$0] < ByteLevel.character[$1] }) {
            // A special token spelled like a byte (say "!") is that byte's token too, and merges see its byte.
            let id = trainer.addToken([UInt8(byte)], spelling: ByteLevel.token([UInt8(byte)]))
            trainer.tokenBytes[Int(id)] = [UInt8(byte)]
        }
        let steps: [PreTokenizerStep] = switch pattern {
        case .gpt2: [.byteLevel(addPrefixSpace: false, trimOffsets: true, useRegex: true)]
        case .llama3: [.split(.llama3), .byteLevel(addPrefixSpace: false, trimOffsets: true, useRegex: false)]
        }
        let added = specials.enumerated().map { AddedToken(id: Int32($0), content: $1) }
        trainer.countWords(corpus, matcher: AddedTokenMatcher(added), preTokenizer: PreTokenizer(steps: steps))
        trainer.mergeUntil(vocabularySize)
        return trainer.tokenizer(addedTokens: added, steps: steps)
    }

    /// Adds a token (or finds the existing one with the same spelling) and returns its id.
    private mutating func addToken(_ bytes: [UInt8], spelling: String) -> Int32 {
        let key = Array(spelling.utf8)
        if let id = ids[key] { return id }
        let id = Int32(tokenBytes.count)
        tokenBytes.append(bytes)
        ids[key] = id
        return id
    }

    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
    }

    private mutating func countWords(_ corpus: [String], matcher: AddedTokenMatcher, preTokenizer: PreTokenizer) {
        var table = ByteStringTable()
        var counts: [Int] = []
        ScalarClass.table.withUnsafeBufferPointer { classes in
            for var text in corpus {
                text.withUTF8 { utf8 in
                    let view = TextView(bytes: utf8, classes: classes)
                    matcher.forEachSegment(view) { segment in
                        guard case .text(let start, let end) = segment else { return }
                        preTokenizer.forEachPiece(view, start, end) { piece in
                            let (index, inserted) = table.insert(piece)
                            if inserted { counts.append(0) }
                            counts[index] += 1
                        }
                    }
                }
            }
        }
        let byteIds = (0..<256).map { ids[Array(ByteLevel.token([UInt8($0)]).utf8)] ?? 0 }
        for index in 0..<table.count where table[index].count > 1 {
            let word = table[index].map { byteIds[Int($0)] }
            let w = Int32(words.count)
            words.append(word)
            wordCounts.append(counts[index])
            for i in 0..<(word.count - 1) {
                let pair = Self.key(word[i], word[i + 1])
                pairCounts[pair, default: 0] += counts[index]
                pairWords[pair, default: []].append(w)
            }
        }
        for (pair, count) in pairCounts { pushHeap(count, pair) }
    }

    private mutating func mergeUntil(_ vocabularySize: Int) {
        var lastVisit = [Int](repeating: -1, count: words.count)
        while tokenBytes.count < vocabularySize, let (count, pair) = popHeap() {
            guard pairCounts[pair] == count, count > 0 else { continue }
            let left = Int32(truncatingIfNeeded: pair >> 32)
            let right = Int32(truncatingIfNeeded: pair)
            let bytes = tokenBytes[Int(left)] + tokenBytes[Int(right)]
            let merged = addToken(bytes, spelling: ByteLevel.token(bytes))
            merges.append((left, right))

            var deltas: [UInt64: Int] = [:]
            for w in pairWords.removeValue(forKey: pair) ?? [] where lastVisit[Int(w)] != merges.count {
                lastVisit[Int(w)] = merges.count
                let old = words[Int(w)]
                let weight = wordCounts[Int(w)]
                var new: [Int32] = []
                new.reserveCapacity(old.count)
                var i = 0
                while i < old.count {
                    if i + 1 < old.count && old[i] == left && old[i + 1] == right {
                        new.append(merged)
                        i += 2
                    } else {
                        new.append(old[i])
                        i += 1
                    }
                }
                for i in 0..<(old.count - 1) { deltas[Self.key(old[i], old[i + 1]), default: 0] -= weight }
                for i in 0..<max(new.count - 1, 0) {
                    let newPair = Self.key(new[i], new[i + 1])
                    deltas[newPair, default: 0] += weight
                    if new[i] == merged || new[i + 1] == merged { pairWords[newPair, default: []].append(w) }
                }
                words[Int(w)] = new
            }
            for (changed, delta) in deltas where delta != 0 {
                let updated = (pairCounts[changed] ?? 0) + delta
                pairCounts[changed] = updated > 0 ? updated : nil
                if updated > 0 { pushHeap(updated, changed) }
            }
        }
    }

    /// Max-heap on count, then smallest pair.
    private static func before(_ a: (count: Int, pair: UInt64), _ b: (count: Int, pair: UInt64)) -> Bool {
        a.count != b.count ? a.count > b.count : a.pair < b.pair
    }

    private mutating func pushHeap(_ count: Int, _ pair: UInt64) {
        heap.append((count, pair))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popHeap() -> (count: Int, pair: UInt64)? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            let right = left + 1
            let child = right < heap.count && Self.before(heap[right], heap[left]) ? right : left
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            parent = child
        }
        return top
    }

    private func tokenizer(addedTokens: [AddedToken], steps: [PreTokenizerStep]) -> BPETokenizer {
        var vocab: [String: Int32] = [:]
        var spelling: [String] = []
        for (id, bytes) in tokenBytes.enumerated() {
            let token = id < addedTokens.count ? addedTokens[id].content : ByteLevel.token(bytes)
            vocab[token] = Int32(id)
            spelling.append(token)
        }
        do {
            let model = try BPEModel(
                vocab: vocab, merges: merges.map { (spelling[Int($0.0)], spelling[Int($0.1)]) }, ignoreMerges: false,
                unknownToken: nil, fuseUnknown: false)
            return try BPETokenizer(
                model: model, preTokenizer: PreTokenizer(steps: steps), addedTokens: addedTokens,
                decoder: .object([
                    "type": .string("ByteLevel"), "add_prefix_space": .bool(true), "trim_offsets": .bool(true),
                    "use_regex": .bool(true),
                ]),
                postProcessor: .null, specialTokens: nil, chatTemplateSource: nil)
        } catch {
            preconditionFailure("BPE training built an inconsistent vocabulary: \(error)")
        }
    }
}

extension BPETokenizer {
    /// Trains a byte-level BPE tokenizer on `corpus` (see `BPETrainer`): `vocabularySize` counts the special tokens
    /// and the 256 byte tokens; `specialTokens` become special added tokens with ids 0, 1, …, matched in text before
    /// pre-tokenization. The result saves to a tokenizer.json that `tokenizers` loads and encodes identically.
    public static func train(
        corpus: [String], vocabularySize: Int, specialTokens: [String], pattern: SplitPattern = .gpt2
    ) -> BPETokenizer {
        BPETrainer.train(corpus: corpus, vocabularySize: vocabularySize, specialTokens: specialTokens, pattern: pattern)
    }
}
