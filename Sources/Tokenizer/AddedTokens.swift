/// A token matched verbatim in the text before pre-tokenization: the `added_tokens` of tokenizer.json (special tokens
/// such as `<|im_end|>`, and ordinary added words). The initializer's defaults describe a special token, as
/// `tokenizers` stores one (`normalized: false`); its file format's own defaults (`normalized: true`,
/// `special: false`) apply when reading.
public struct AddedToken: Sendable, Hashable {
    public var id: Int32
    public var content: String
    /// Only matches when not touching a word character (`\w`) on either side.
    public var singleWord: Bool
    /// Also swallows the whitespace before / after it.
    public var lstrip: Bool
    public var rstrip: Bool
    /// Matched after normalization, in a second pass over the text the other added tokens left (with no normalizer
    /// the text is the same, but the pass order still decides overlaps).
    public var normalized: Bool
    /// Skipped by `decode(_:skipSpecialTokens: true)`.
    public var special: Bool

    public init(
        id: Int32, content: String, singleWord: Bool = false, lstrip: Bool = false, rstrip: Bool = false,
        normalized: Bool = false, special: Bool = true
    ) {
        self.id = id
        self.content = content
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
        self.special = special
    }
}

/// A stretch of the input: an added token's id, or bytes `start..<end` left for pre-tokenization.
enum Segment {
    case token(Int32)
    case text(Int, Int)
}

/// Finds added tokens in text exactly as `tokenizers`' `AddedVocabulary::extract_and_normalize` does: first the
/// tokens with `normalized: false` over the whole text, then the `normalized: true` ones inside what is left; in
/// each pass, non-overlapping leftmost-longest matches, then the `single_word` / `lstrip` / `rstrip` rules.
struct AddedTokenMatcher: Sendable {
    private let raw: Pass
    private let normalized: Pass

    init(_ tokens: [AddedToken]) {
        raw = Pass(tokens.filter { !$0.normalized })
        normalized = Pass(tokens.filter { $0.normalized })
    }

    /// Calls `emit` with the segments of `text`, in order.
    func forEachSegment(_ text: TextView, _ emit: (Segment) -> Void) {
        raw.split(text, 0, text.bytes.count) { segment in
            switch segment {
            case .token: emit(segment)
            case .text(let start, let end): normalized.split(text, start, end, emit)
            }
        }
    }

    /// One pass: the tokens to look for, grouped by first byte, longest first.
    private struct Pass: Sendable {
        let tokens: [AddedToken]
        let contents: [[UInt8]]
        let byFirstByte: [[Int]]

        init(_ tokens: [AddedToken]) {
            let usable = tokens.filter { !$0.content.isEmpty }
            let contents = usable.map { Array($0.content.utf8) }
            var groups = [[Int]](repeating: [], count: 256)
            for (k, content) in contents.enumerated() { groups[Int(content[0])].append(k) }
            self.tokens = usable
            self.contents = contents
            byFirstByte = groups.map { group in group.sorted { contents[$0].count > contents[$1].count } }
        }

        /// The longest token that starts at byte `i` and ends by `end`.
        private func longestMatch(_ text: TextView, at i: Int, end: Int) -> Int? {
            candidates: for k in byFirstByte[Int(text.bytes[i])] {
                let content = contents[k]
                guard i + content.count <= end else { continue }
                for (j, b) in content.enumerated() where text.bytes[i + j] != b { continue candidates }
                return k
            }
            return nil
        }

        /// `AddedVocabulary::find_matches` over bytes `lo..<hi` (the "sentence").
        func split(_ text: TextView, _ lo: Int, _ hi: Int, _ emit: (Segment) -> Void) {
            guard lo < hi else { return }
            var startOffset = lo
            var i = lo
            while i < hi {
                guard !tokens.isEmpty, let k = longestMatch(text, at: i, end: hi) else {
                    i += 1
                    continue
                }
                let token = tokens[k]
                var start = i
                var stop = i + contents[k].count
                i = stop
                if token.singleWord {
                    let startsWord = start > lo && Self.isWordCharacter(text, text.scalarStart(before: start))
                    let endsWord = stop < hi && Self.isWordCharacter(text, stop)
                    if startsWord || endsWord { continue }
                }
                if token.lstrip {
                    var newStart = start
                    while newStart > lo {
                        let p = text.scalarStart(before: newStart)
                        guard text.classAt(p).0 == .whitespace else { break }
                        newStart = p
                    }
                    start = max(newStart, startOffset)
                }
                if token.rstrip {
                    while stop < hi, case (.whitespace, let n) = text.classAt(stop) { stop += n }
                }
                if startOffset < start { emit(.text(startOffset, start)) }
                emit(.token(token.id))
                startOffset = stop
            }
            if startOffset < hi { emit(.text(startOffset, hi)) }
        }

        private static func isWordCharacter(_ text: TextView, _ i: Int) -> Bool {
            guard let scalar = Unicode.Scalar(text.scalar(at: i).value) else { return false }
            return ScalarClass.isWordCharacter(scalar)
        }
    }
}
