/// A pre-tokenization regex, recognised by its exact pattern string and implemented by hand.
///
/// `tokenizers` runs these patterns with Oniguruma. NSRegularExpression would be several times slower and its
/// `\p{…}` and `\s` classes differ at the edges, so each known pattern is written out below as the
/// alternation-by-alternation walk a backtracking engine performs, on UTF-8 bytes. Every character belongs to
/// some alternative of both patterns, so the matches tile the text and splitting ("Isolated") is just matching
/// repeatedly. Other patterns are rejected by name when a tokenizer.json is read.
public enum SplitPattern: Sendable, Hashable {
    /// GPT-2's, also used by ByteLevel's `use_regex: true`, SmolLM2 and most GPT-2-derived vocabularies.
    case gpt2
    /// Llama 3's (tiktoken `cl100k`-style): case-insensitive contractions, a letter run may take one leading
    /// non-letter, digits in groups of at most three, and newlines kept with the whitespace before them.
    case llama3

    /// The pattern exactly as tokenizer.json spells it.
    public var regex: String {
        switch self {
        case .gpt2: #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .llama3:
            #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"#
                + #"|\s*[\r\n]+|\s+(?!\S)|\s+"#
        }
    }

    /// The known pattern with this exact text, or nil.
    public init?(regex: String) {
        switch regex {
        case SplitPattern.gpt2.regex: self = .gpt2
        case SplitPattern.llama3.regex: self = .llama3
        default: return nil
        }
    }

    /// Calls `emit(start, end)` for each match in bytes `lo..<hi`, in order; the matches cover the range.
    func split(_ text: TextView, _ lo: Int, _ hi: Int, _ emit: (Int, Int) -> Void) {
        var i = lo
        while i < hi {
            let end = self == .gpt2 ? gpt2Match(text, i, hi) : llama3Match(text, i, hi)
            emit(i, end)
            i = end
        }
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` at byte `i`.
    private func gpt2Match(_ text: TextView, _ i: Int, _ hi: Int) -> Int {
        let b = text.bytes[i]
        if b == UInt8(ascii: "'"), i + 1 < hi {
            let c1 = text.bytes[i + 1]
            if Self.isOneLetterContraction(c1) { return i + 2 }
            if i + 2 < hi, Self.isTwoLetterContraction(c1, text.bytes[i + 2]) { return i + 3 }
        }
        if b == UInt8(ascii: " "), i + 1 < hi {
            let (kind, n) = text.classAt(i + 1)
            if kind != .whitespace { return text.skip(kind, from: i + 1 + n, to: hi) }
        }
        let (kind, n) = text.classAt(i)
        if kind != .whitespace { return text.skip(kind, from: i + n, to: hi) }
        return Self.whitespaceMatch(text, i, hi, stopAfterNewline: false)
    }

    /// The Llama-3 pattern (see `regex`) at byte `i`.
    private func llama3Match(_ text: TextView, _ i: Int, _ hi: Int) -> Int {
        let b = text.bytes[i]
        if b == UInt8(ascii: "'"), i + 1 < hi {
            let (c1, n1) = text.scalar(at: i + 1)
            if let l1 = Self.caseFolded(c1) {
                if Self.isOneLetterContraction(l1) { return i + 1 + n1 }
                if i + 1 + n1 < hi {
                    let (c2, n2) = text.scalar(at: i + 1 + n1)
                    if let l2 = Self.caseFolded(c2), Self.isTwoLetterContraction(l1, l2) { return i + 1 + n1 + n2 }
                }
            }
        }
        let (kind, n) = text.classAt(i)
        if kind == .letter { return text.skip(.letter, from: i + n, to: hi) }
        // [^\r\n\p{L}\p{N}]?\p{L}+ with the optional character present
        if kind != .number, b != UInt8(ascii: "\r"), b != UInt8(ascii: "\n"), i + n < hi {
            let (next, m) = text.classAt(i + n)
            if next == .letter { return text.skip(.letter, from: i + n + m, to: hi) }
        }
        if kind == .number {
            var end = i + n
            for _ in 0..<2 where end < hi {
                let (k, m) = text.classAt(end)
                if k != .number { break }
                end += m
            }
            return end
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var otherStart = -1
        if kind == .other {
            otherStart = i + n
        } else if b == UInt8(ascii: " "), i + 1 < hi {
            let (next, m) = text.classAt(i + 1)
            if next == .other { otherStart = i + 1 + m }
        }
        if otherStart >= 0 {
            var end = text.skip(.other, from: otherStart, to: hi)
            while end < hi, text.bytes[end] == UInt8(ascii: "\r") || text.bytes[end] == UInt8(ascii: "\n") { end += 1 }
            return end
        }
        return Self.whitespaceMatch(text, i, hi, stopAfterNewline: true)
    }

    /// The whitespace alternatives at a whitespace character: `\s*[\r\n]+` (Llama 3 only: up to and including the
    /// run's last newline), else `\s+(?!\S)` (the whole run at the end of the text, otherwise all of it but its
    /// last character, which then leads the next word), else `\s+` (a single whitespace character before a word).
    private static func whitespaceMatch(_ text: TextView, _ i: Int, _ hi: Int, stopAfterNewline: Bool) -> Int {
        var end = i
        var lastStart = i
        var afterNewline = -1
        while end < hi {
            let (kind, n) = text.classAt(end)
            if kind != .whitespace { break }
            let b = text.bytes[end]
            if b == UInt8(ascii: "\r") || b == UInt8(ascii: "\n") { afterNewline = end + 1 }
            lastStart = end
            end += n
        }
        if stopAfterNewline && afterNewline >= 0 { return afterNewline }
        if end == hi || lastStart == i { return end }
        return lastStart
    }

    /// `'s`, `'t`, `'m`, `'d` after the apostrophe.
    private static func isOneLetterContraction(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "s") || c == UInt8(ascii: "t") || c == UInt8(ascii: "m") || c == UInt8(ascii: "d")
    }

    /// `'re`, `'ve`, `'ll` after the apostrophe.
    private static func isTwoLetterContraction(_ c1: UInt8, _ c2: UInt8) -> Bool {
        (c1 == UInt8(ascii: "r") && c2 == UInt8(ascii: "e")) || (c1 == UInt8(ascii: "v") && c2 == UInt8(ascii: "e"))
            || (c1 == UInt8(ascii: "l") && c2 == UInt8(ascii: "l"))
    }

    /// Simple case folding as far as `(?i:'s|'t|'re|'ve|'m|'ll|'d)` can tell: the ASCII letter a scalar folds to,
    /// or nil. Besides ASCII only `ſ` (U+017F) folds to a contraction letter (`s`); the Kelvin sign folds to `k`,
    /// which no contraction uses.
    private static func caseFolded(_ scalar: UInt32) -> UInt8? {
        if scalar == 0x17F { return UInt8(ascii: "s") }
        guard scalar < 0x80 else { return nil }
        let c = UInt8(scalar)
        return c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c | 0x20 : c
    }
}
